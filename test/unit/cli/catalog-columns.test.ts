// The `get endpoints` table: columns, -A, -o wide, and how missing values read.
import { expect, it } from 'vitest';
import { catalogColumns } from '../../../src/cli/commands/get/catalog.js';
import { renderColumns } from '../../../src/cli/output/table.js';
import type { EndpointCatalogEntry } from '../../../src/services/catalog.js';

const NOW = Date.parse('2025-01-01T01:00:00Z');

const entry = (over: Partial<EndpointCatalogEntry>): EndpointCatalogEntry => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'EndpointCatalogEntry',
  metadata: { name: 'rest', namespace: 'acme', creationTimestamp: '2025-01-01T00:00:00Z' },
  owner: { projectName: 'shop', componentName: 'orders' },
  environment: 'dev',
  visibility: 'Public',
  type: 'REST',
  url: 'https://dev.example.com/shop/orders',
  ready: { status: 'True', reason: 'Ready' },
  source: { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'ServiceBinding', name: 'orders-dev' },
  ...over,
});

it('renders NAME OWNER ENVIRONMENT VISIBILITY TYPE URL READY AGE, ORGANIZATION with -A, SOURCE with -o wide', () => {
  const rows = [
    entry({}),
    entry({
      metadata: { name: 'legacy', namespace: 'zeta' },
      owner: { projectName: '', componentName: '' },
      visibility: 'Organization',
      url: '',
      ready: { status: 'False', reason: 'EndpointReady' },
      source: { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Endpoint', name: 'legacy' },
    }),
  ];
  expect(renderColumns(rows, catalogColumns(true, NOW))).toBe(
    'ORGANIZATION   NAME     OWNER         ENVIRONMENT   VISIBILITY     TYPE   URL                                   READY                   AGE\n' +
      'acme           rest     shop/orders   dev           Public         REST   https://dev.example.com/shop/orders   True                    60m\n' +
      'zeta           legacy   <none>        dev           Organization   REST   <none>                                False (EndpointReady)   <unknown>\n',
  );
  const wide = renderColumns(rows, catalogColumns(false, NOW), { wide: true }).split('\n');
  expect(wide[0]).toMatch(/^NAME .* AGE +SOURCE$/);
  expect(wide[1]).toMatch(/ servicebinding\/orders-dev$/);
  expect(wide[2]).toMatch(/ endpoint\/legacy$/);
});
