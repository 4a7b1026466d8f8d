/** The envelope shared by every kind: apiVersion, kind, metadata, spec, status. */
import { z } from 'zod';
import { API_VERSION, DNS_LABEL_PATTERN, DNS_SUBDOMAIN_PATTERN, dnsLabel } from './dsl.js';
import { kindMeta, type NameFormat } from './kinds-meta.js';

export type { NameFormat } from './kinds-meta.js';

export const NAME_RULES: Record<NameFormat, { pattern: string; maxLength: number; what: string }> = {
  label: { pattern: DNS_LABEL_PATTERN, maxLength: 63, what: 'a DNS-1123 label' },
  subdomain: { pattern: DNS_SUBDOMAIN_PATTERN, maxLength: 253, what: 'a DNS-1123 subdomain' },
};

export function objectMeta(nameFormat: NameFormat, namespaced: boolean) {
  const r = NAME_RULES[nameFormat];
  const name = z
    .string({ error: (iss) => (iss.input === undefined ? 'Required value' : undefined) })
    .min(1)
    .max(r.maxLength)
    .regex(new RegExp(r.pattern), { message: `should match '${r.pattern}' (${r.what})` })
    .describe(
      `Name of the resource: ${r.what} of at most ${r.maxLength} characters.` +
        (nameFormat === 'label' ? ' It is also used as a label value, hence the stricter limit.' : ''),
    );
  return z
    .looseObject({
      name,
      namespace: namespaced
        ? dnsLabel(
            'Namespace of the resource; for OpenChoreo this is the organization (default: default).',
          ).optional()
        : z.never().optional().describe('Organizations are cluster-scoped: no namespace.'),
      // label and annotation rules (Kubernetes' ObjectMeta validation) are checked for every object, ours and
      // others, by src/kube/validation.ts before apply writes anything
      labels: z.record(z.string(), z.string()).optional().describe('Labels, see openchoreo.dev/* keys.'),
      annotations: z
        .record(z.string(), z.string())
        .optional()
        .describe('Annotations, e.g. openchoreo.dev/display-name and openchoreo.dev/description.'),
    })
    .describe('Standard Kubernetes object metadata.');
}

/**
 * Build the full document schema of a kind from its spec and status; its name format and scope are the kind's
 * facts in kinds-meta.ts (written once, there).
 */
export function resource<K extends string, Spec extends z.ZodType, Status extends z.ZodType>(opts: {
  kind: K;
  spec: Spec;
  status: Status;
}) {
  const meta = kindMeta(opts.kind);
  if (!meta) throw new Error(`kind ${opts.kind} has no entry in src/api/kinds-meta.ts`);
  return z.strictObject({
    apiVersion: z.literal(API_VERSION).describe(`Always ${API_VERSION}.`),
    kind: z.literal(opts.kind).describe(`Always ${opts.kind}.`),
    metadata: objectMeta(meta.nameFormat, meta.namespaced),
    spec: opts.spec,
    status: opts.status.optional(),
  });
}
