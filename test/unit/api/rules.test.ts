/** The field rules of src/api/rules.ts on tables of values Kubernetes (or the tool) accepts and refuses. */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { gitUrl, goDuration, httpUrl } from '../../../src/api/dsl.js';
import {
  absolutePath,
  configKey,
  cronSchedule,
  envVarName,
  gitBranch,
  headerName,
  hostname,
  imageRef,
  imageRefOrTag,
  int32,
  ipOrCidr,
  labelMap,
  registryPrefix,
  repoPath,
  resourceQuantity,
  timeZone,
} from '../../../src/api/rules.js';

function table(name: string, schema: z.ZodType, good: unknown[], bad: unknown[]) {
  describe(name, () => {
    it.each(good.map((v) => [v]))('accepts %j', (v) => {
      const r = schema.safeParse(v);
      expect(r.success, r.success ? '' : r.error.issues.map((i) => i.message).join('; ')).toBe(true);
    });
    it.each(bad.map((v) => [v]))('refuses %j', (v) => {
      expect(schema.safeParse(v).success).toBe(false);
    });
  });
}

table(
  'image references',
  imageRef('x'),
  [
    'nginx',
    'nginx:1.27',
    'library/nginx:latest',
    'ghcr.io/acme/orders:1.4.2',
    'registry.acme.internal:5000/shop/orders_api:v1.2.3-rc.1',
    'localhost:5000/a/b/c',
    '[::1]:5000/x:y',
    `ghcr.io/acme/orders@sha256:${'a'.repeat(64)}`,
    `ghcr.io/acme/orders:1.0@sha256:${'0'.repeat(64)}`,
    'my-registry.example/team__x/app-name',
  ],
  [
    '',
    'nginx latest',
    'nginx; rm -rf /',
    '$(curl evil)',
    '`id`',
    'ghcr.io/Acme/orders',
    'nginx:',
    ':tag',
    '-nginx',
    'nginx@sha256:abc',
    'a//b',
    `nginx:${'t'.repeat(129)}`,
    'nginx\n',
  ],
);
table(
  'image reference or tag',
  imageRefOrTag('x'),
  ['1.4.2', 'latest', 'ghcr.io/a/b:1'],
  ['', '1.4 ', 'a b', '.x'],
);
table(
  'registry prefixes',
  registryPrefix('x'),
  ['registry.example:5000', 'registry.eu-west.example.com/openchoreo', 'localhost:30003/', 'ghcr.io/acme'],
  ['https://registry.example', 'registry example', 'reg/Upper', ''],
);

table(
  'cron schedules',
  cronSchedule('x'),
  [
    '* * * * *',
    '*/15 * * * *',
    '0 2 * * *',
    '30 1 * * 1-5',
    '0 0 1,15 * *',
    '0 9-17/2 * JAN-DEC mon-fri',
    '0 0 ? * SUN',
    '5 4 * * 0',
    '0 0 31 12 6',
    '0  0  *  *  *',
    '@hourly',
    '@daily',
    '@midnight',
    '@weekly',
    '@monthly',
    '@yearly',
    '@annually',
    '@every 1h30m',
  ],
  [
    '',
    '60 * * * *',
    '0 24 * * *',
    '0 0 0 * *',
    '0 0 32 * *',
    '0 0 * 13 *',
    '0 0 * * 7',
    '*/0 * * * *',
    '* * * *',
    '0 0 0 * * *',
    '@reboot',
    '@every',
    'every minute',
    '0 0 * * MON;id',
    ' 0 0 * * *',
    '0 0 * * * ',
    'TZ=UTC 0 0 * * *',
    '? * * * *',
  ],
);
table(
  'time zones',
  timeZone('x'),
  [
    'UTC',
    'Etc/UTC',
    'Europe/Berlin',
    'Asia/Colombo',
    'America/Argentina/Buenos_Aires',
    'Etc/GMT+5',
    'America/Port-au-Prince',
  ],
  [
    '',
    'Local',
    'local',
    '../etc/passwd',
    'Europe/..',
    'Europe/New York',
    '/UTC',
    'UTC/',
    '-UTC',
    'Europe/-Berlin',
    'Abcdefghijklmno',
  ],
);

table(
  'absolute paths (mounts)',
  absolutePath('x'),
  ['/tmp', '/etc/app/config.yaml', '/var/run/secrets/', '/a/.hidden', '/a/..b', '/a/...'],
  ['', 'tmp', './tmp', '/', '//', '/a//b', '/..', '/a/../b', '/a/./b', '/a/.', '/a\u0000b', '/a\nb'],
);
table(
  'repository paths',
  repoPath('x'),
  ['/', '.', './', '/orders', 'apps/orders/workload.yaml', '/services/orders/', 'Dockerfile'],
  ['', '..', '../x', '/a/../../b', 'a/..', '/a\tb', 'a//b'],
);

table(
  'http URLs',
  httpUrl('x'),
  [
    'https://10.20.0.1:6443',
    'http://observer.acme.internal:8080',
    'https://idp.example/.well-known/jwks.json',
    'https://h?x=1',
    'http://[::1]:8080/',
  ],
  [
    '',
    '10.0.0.1:6443',
    'ftp://x',
    'http://',
    'https://:443',
    'http://user:pw@host',
    'https://host:0',
    'https://host:65536',
    'https://a b',
  ],
);
table(
  'git URLs',
  gitUrl('x'),
  [
    'https://github.com/acme/shop',
    'ssh://git@github.com:22/acme/shop.git',
    'git://host/repo',
    'git@github.com:acme/shop.git',
  ],
  [
    '',
    'github.com/acme/shop',
    '-uhttps://x',
    'ext::sh -c touch% /tmp/pwned',
    'git@host:-oProxyCommand=x',
    'file:///etc',
    'https://',
  ],
);
table(
  'Go durations',
  goDuration('x'),
  ['0', '0s', '300ms', '1m', '1h30m', '2.5s', '10us'],
  ['', '-5m', '5', '5 minutes', '1d', 's'],
);
table(
  'resource quantities',
  resourceQuantity('x'),
  ['500m', '1', '1.5', '256Mi', '1Gi', '1e3', '.5'],
  ['', '-1', '-1Gi', 'half a core', '1 Gi', '1GB'],
);
table(
  'IPs and CIDRs',
  ipOrCidr('x'),
  ['10.0.0.0/8', '192.168.1.1', '0.0.0.0/0', '2001:db8::/32', '::1', 'fe80::1'],
  ['10.0.0.0/33', '256.0.0.1', '10.0.0', 'example.com', '2001:db8::/129', ''],
);
table(
  'DNS host names',
  hostname('x'),
  ['apps.acme.example', 'localhost', 'a-b.c'],
  ['', 'Apps.example', 'a_b.c', '-a.b', 'a.b.', '*.a.b'],
);
table(
  'header names',
  headerName('x'),
  ['Authorization', 'X-Api-Key', 'x_custom'],
  ['', 'X Evil', 'X-Evil: 1', 'a\r\nb'],
);
table('env var names', envVarName('x'), ['PATH', '_X', 'a.b-c', '-x'], ['', '1X', 'A B', 'A=B', 'Ä']);
table(
  'ConfigMap keys',
  configKey('x'),
  ['url', 'tls.crt', '.hidden', 'a_b-c'],
  ['', '.', '..', '..x', 'a/b', 'a b'],
);
table(
  'git branches',
  gitBranch('x'),
  ['main', 'feature/x', 'release-1.2', 'v1.0'],
  ['', '-f', '--force', '.x', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'x.'],
);
table('int32', int32('x'), [0, 1, 2147483647], [-1, 2147483648, 1.5, '1']);

table(
  'label maps (ConfigurationGroup scope, template labels): qualified-name keys, label values',
  labelMap('x'),
  [{}, { app: 'shop' }, { 'openchoreo.dev/project': 'shop' }, { 'a.b/c_d-e.f': '' }, { A1: 'x.y_z-1' }],
  [
    { 'bad key!': 'x' },
    { '/x': 'x' },
    { 'a/': 'x' },
    { 'a/b/c': 'x' },
    { 'UPPER.dev/x': 'x' },
    { ['a'.repeat(64)]: 'x' },
    { app: 'shop; rm' },
    { app: 'a'.repeat(64) },
    { app: '-a' },
  ],
);
