/** kubectl-describe-like text for one object. Pure: the handler fetches, this renders. */
import type { KindStatus } from '../../../api/refs.js';
import type { ComponentPipeline } from '../../../services/pipeline-status.js';
import type { EventData } from '../../../services/resources.js';
import { age } from '../../output/age.js';
import type { Condition } from '../../output/conditions.js';
import { readyCell } from '../../output/conditions.js';
import { escapeControl } from '../../output/escape.js';
import type { KubeObject } from '../../output/printers.js';
import { renderTable } from '../../output/table.js';
import { toYAML } from '../../output/yaml.js';
import { pipelineLines } from './pipeline.js';

/** An event as describe shows it (the operation layer's shape). */
export type EventLike = EventData;

export interface DescribeInput {
  readonly object: KubeObject;
  readonly children: readonly KubeObject[];
  readonly events: readonly EventLike[];
  readonly now?: number;
  /** A component's environments along its pipeline (describe component). */
  readonly pipeline?: ComponentPipeline;
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .filter((l, i, a) => !(i === a.length - 1 && l === ''))
    .map((l) => (l === '' ? l : `${pad}${l}`))
    .join('\n');
}

function mapLines(title: string, m: Record<string, unknown> | undefined): string[] {
  const entries = Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return [`${title.padEnd(14)}<none>`];
  return entries.map(
    ([k, v], i) => `${(i === 0 ? title : '').padEnd(14)}${escapeControl(k)}=${escapeControl(String(v))}`,
  );
}

/** Every cell of user data escaped: one cell stays one line of plain text. */
function safeRows(rows: readonly (readonly string[])[]): string[][] {
  return rows.map((r) => r.map((c) => escapeControl(c)));
}

function eventTime(e: EventLike): string | undefined {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? undefined;
}

/** http(s) URLs anywhere under status (endpoint addresses, public URLs), in document order, unique. */
export function statusUrls(status: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (/^(https?|grpcs?|wss?|tcp):\/\/\S+$/i.test(v) && !out.includes(v)) out.push(v);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) if (k !== 'conditions') walk(x);
    }
  };
  walk(status);
  return out;
}

/** `1m05s`, `42s`: how long a build step took (or has been running). */
export function stepDuration(
  startedAt: string | undefined,
  finishedAt: string | undefined,
  now: number,
): string {
  const start = Date.parse(startedAt ?? '');
  if (!Number.isFinite(start)) return '';
  const end = finishedAt ? Date.parse(finishedAt) : now;
  const s = Math.max(0, Math.round((end - start) / 1000));
  const text = s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
  return finishedAt ? text : `${text} (running)`;
}

/** A Build's steps (status.steps): phase, duration, and Argo's message (why a step failed). */
function buildStepLines(status: unknown, now: number): string[] {
  const steps = (status as KindStatus<'Build'> | undefined)?.steps;
  if (!steps || steps.length === 0) return [];
  const rows = steps.map((st) => [
    st.name,
    st.phase,
    stepDuration(st.startedAt, st.finishedAt, now),
    st.message ?? '',
  ]);
  return [
    'Steps:',
    indent(renderTable(['Step', 'Phase', 'Duration', 'Message'], safeRows(rows), { upperCase: false }), 2),
  ];
}

export function renderDescribe(input: DescribeInput): string {
  const { object: o } = input;
  const now = input.now ?? Date.now();
  const md = o.metadata ?? {};
  const lines: string[] = [];
  const field = (k: string, v: string): void => {
    lines.push(`${`${k}:`.padEnd(14)}${escapeControl(v)}`);
  };
  field('Name', String(md.name ?? ''));
  if (md.namespace) field('Organization', String(md.namespace));
  field('Kind', String(o.kind ?? ''));
  field('API Version', String(o.apiVersion ?? ''));
  lines.push(...mapLines('Labels:', md.labels as Record<string, unknown> | undefined));
  lines.push(...mapLines('Annotations:', md.annotations as Record<string, unknown> | undefined));
  const created = md.creationTimestamp as string | undefined;
  if (created) field('Created', `${created} (${age(created, now)} ago)`);
  const deleting = md.deletionTimestamp as string | undefined;
  if (deleting)
    field(
      'Deleting',
      `${deleting} (finalizers: ${((md.finalizers as string[]) ?? []).join(', ') || '<none>'})`,
    );
  const status = o.status as { conditions?: Condition[] } | undefined;
  if (status?.conditions !== undefined || o.kind !== undefined) field('Ready', readyCell(o as never));
  const spec = o.spec;
  if (spec !== undefined && spec !== null && !(typeof spec === 'object' && Object.keys(spec).length === 0)) {
    lines.push('Spec:', indent(escapeControl(toYAML(spec), { keepLayout: true }), 2));
  }
  const conditions = status?.conditions ?? [];
  lines.push('Conditions:');
  if (conditions.length === 0) {
    lines.push('  <none>');
  } else {
    const rows = conditions.map((c) => [
      c.type,
      c.status,
      c.reason ?? '',
      c.lastTransitionTime ? `${age(c.lastTransitionTime, now)} ago` : '',
      c.message ?? '',
    ]);
    lines.push(
      indent(
        renderTable(['Type', 'Status', 'Reason', 'Last Transition', 'Message'], safeRows(rows), {
          upperCase: false,
        }),
        2,
      ),
    );
  }
  if (input.pipeline) lines.push(...pipelineLines(input.pipeline));
  lines.push(...buildStepLines(o.kind === 'Build' ? o.status : undefined, now));
  const urls = statusUrls(o.status);
  if (urls.length > 0) {
    lines.push('Endpoints:', ...urls.map((u) => `  ${escapeControl(u)}`));
  }
  if (input.children.length > 0) {
    const sorted = [...input.children].sort((a, b) =>
      `${a.kind}/${a.metadata?.name}` < `${b.kind}/${b.metadata?.name}` ? -1 : 1,
    );
    const rows = sorted.map((c) => [
      String(c.kind ?? ''),
      String(c.metadata?.name ?? ''),
      readyCell(c as never),
      age(c.metadata?.creationTimestamp as string | undefined, now),
    ]);
    lines.push(
      'Children:',
      indent(renderTable(['Kind', 'Name', 'Ready', 'Age'], safeRows(rows), { upperCase: false }), 2),
    );
  }
  if (input.events.length === 0) {
    lines.push('Events:       <none>');
  } else {
    const sorted = [...input.events].sort((a, b) => (eventTime(a) ?? '').localeCompare(eventTime(b) ?? ''));
    const rows = sorted.map((e) => {
      const t = eventTime(e);
      const count = e.count !== undefined && e.count > 1 ? ` (x${e.count})` : '';
      return [
        e.type ?? '',
        e.reason ?? '',
        t ? `${age(t, now)}${count}` : '<unknown>',
        e.source?.component ?? e.reportingComponent ?? '',
        e.message ?? '',
      ];
    });
    const dashes = ['----', '------', '----', '----', '-------'];
    lines.push(
      'Events:',
      indent(
        renderTable(['Type', 'Reason', 'Age', 'From', 'Message'], [dashes, ...safeRows(rows)], {
          upperCase: false,
        }),
        2,
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
