// Streaming helpers: newline-delimited JSON (watch) and plain lines (logs).

import type { Readable } from 'node:stream';
import {
  ConnectionError,
  errorFromStatus,
  type GoneError,
  isStatus,
  KubeError,
  type KubeStatus,
  type RequestContext,
} from './errors.js';
import { tooLarge } from './http.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T = unknown> {
  type: WatchEventType;
  /** The object; for ERROR events a `Status`. For BOOKMARK only metadata.resourceVersion (and annotations) are set. */
  object: T;
}

/** A bound on one line of a stream: past `max` characters (0: none) the stream fails with ResponseTooLargeError. */
export interface LineLimit {
  max: number;
  request?: RequestContext;
  /** What a line is, for the message (`a watch event`, `a log line`). */
  what?: string;
}

/**
 * Split a byte stream into lines, handling chunks that cut lines (and multi-byte UTF-8 characters) anywhere.
 * A final line without a trailing newline is yielded too. `\r\n` endings are trimmed. With `limit`, a line longer
 * than `limit.max` characters throws instead of growing without end.
 */
export async function* splitLines(
  source: AsyncIterable<Buffer | string>,
  limit?: LineLimit,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  for await (const chunk of source) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
      nl = buffer.indexOf('\n');
    }
    if (limit && limit.max > 0 && buffer.length > limit.max) {
      throw tooLarge(limit.request ?? {}, limit.what ?? 'a line', limit.max, buffer.length);
    }
  }
  buffer += decoder.decode();
  if (buffer.length > 0) yield buffer.endsWith('\r') ? buffer.slice(0, -1) : buffer;
}

/**
 * Turn a watch response stream into events. A 410 ERROR event is thrown as `GoneError` (restart from a fresh
 * list); other ERROR events are yielded with their Status object.
 */
export async function* parseWatchStream<T = unknown>(
  source: AsyncIterable<Buffer | string>,
  request: RequestContext = {},
  maxEventBytes = 0,
): AsyncGenerator<WatchEvent<T>> {
  for await (const line of splitLines(source, { max: maxEventBytes, request, what: 'a watch event' })) {
    if (line.trim() === '') continue;
    let event: { type?: string; object?: unknown };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      throw new KubeError(
        `malformed watch event from ${request.server ?? 'the API server'} ${request.path ?? ''}: ${line.slice(0, 200)}`,
      );
    }
    if (event.type === 'ERROR') {
      const status = (
        isStatus(event.object) ? event.object : { kind: 'Status', ...(event.object as object) }
      ) as KubeStatus;
      if (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone') {
        throw errorFromStatus({ ...status, code: status.code ?? 410 }, request) as GoneError;
      }
    }
    yield event as WatchEvent<T>;
  }
}

/** Iterate a response and make sure the underlying stream is destroyed when the consumer stops early. */
export async function* guardStream<T>(
  stream: Readable,
  inner: AsyncGenerator<T>,
  signal?: AbortSignal,
  request: RequestContext = {},
): AsyncGenerator<T> {
  try {
    yield* inner;
  } catch (e) {
    // An abort by the caller ends the iteration quietly.
    if (signal?.aborted) return;
    if (e instanceof KubeError) throw e;
    // The connection broke mid-stream (server restart, network): a ConnectionError, like any other request.
    throw new ConnectionError(request.server ?? 'the API server', e, request.identity);
  } finally {
    stream.destroy();
  }
}
