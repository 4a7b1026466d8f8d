/**
 * The CRDs of the projects our controllers write into data and build planes — Gateway API, Envoy Gateway, Cilium,
 * Argo Workflows — taken from those projects' own published definitions. Their Go modules carry the CRD YAML, so
 * the same Go module proxy that serves the Kubernetes build serves them; the files are copied into the cache, so
 * later runs need neither Go nor the network.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cacheRoot, type Progress } from './binaries.js';
import { SetupError } from './errors.js';

export interface ExternalCrdSource {
  /** What a person calls it (in messages). */
  project: string;
  module: string;
  version: string;
  /** Paths inside the module. */
  files: string[];
}

const gatewayApi = 'config/crd/standard/gateway.networking.k8s.io_';
const envoy = 'charts/gateway-helm/crds/generated/gateway.envoyproxy.io_';
const cilium = 'pkg/k8s/apis/cilium.io/client/crds/v2/';
const argo = 'manifests/base/crds/full/argoproj.io_';

export const EXTERNAL_CRD_SOURCES: readonly ExternalCrdSource[] = [
  {
    project: 'Gateway API',
    module: 'sigs.k8s.io/gateway-api',
    version: 'v1.4.1',
    files: [
      'gatewayclasses',
      'gateways',
      'httproutes',
      'grpcroutes',
      'referencegrants',
      'backendtlspolicies',
    ].map((n) => `${gatewayApi}${n}.yaml`),
  },
  {
    project: 'Envoy Gateway',
    module: 'github.com/envoyproxy/gateway',
    version: 'v1.6.0',
    files: ['securitypolicies', 'backendtrafficpolicies', 'httproutefilters', 'clienttrafficpolicies'].map(
      (n) => `${envoy}${n}.yaml`,
    ),
  },
  {
    project: 'Cilium',
    module: 'github.com/cilium/cilium',
    version: 'v1.18.4',
    files: ['ciliumnetworkpolicies', 'ciliumclusterwidenetworkpolicies'].map((n) => `${cilium}${n}.yaml`),
  },
  {
    project: 'Argo Workflows',
    module: 'github.com/argoproj/argo-workflows/v3',
    version: 'v3.7.3',
    // workflowtaskresults (each step's outputs, written by Argo's executor), workflowtasksets and
    // workflowartifactgctasks: Argo's workflow-controller waits for all three before it runs a Workflow.
    files: [
      'workflows',
      'workflowtemplates',
      'clusterworkflowtemplates',
      'workflowtaskresults',
      'workflowtasksets',
      'workflowartifactgctasks',
    ].map((n) => `${argo}${n}.yaml`),
  },
];

function cacheDirFor(src: ExternalCrdSource, env: NodeJS.ProcessEnv): string {
  return join(cacheRoot(env), 'crds', `${src.module.replaceAll('/', '_')}@${src.version}`);
}

/**
 * Paths of every external CRD file, fetching the modules that are not cached yet.
 * Throws a SetupError naming the module when Go or the proxy is not available.
 */
export function externalCrdFiles(options: { progress?: Progress; env?: NodeJS.ProcessEnv } = {}): string[] {
  const env = options.env ?? process.env;
  const progress = options.progress ?? (() => {});
  const out: string[] = [];
  for (const src of EXTERNAL_CRD_SOURCES) {
    const dir = cacheDirFor(src, env);
    const wanted = src.files.map((f) => join(dir, basename(f)));
    if (wanted.every((p) => existsSync(p))) {
      out.push(...wanted);
      continue;
    }
    progress(`fetching ${src.project} CRDs (${src.module}@${src.version}) from the Go module proxy`);
    mkdirSync(cacheRoot(env), { recursive: true });
    const res = spawnSync('go', ['mod', 'download', '-json', `${src.module}@${src.version}`], {
      encoding: 'utf8',
      env,
      cwd: cacheRoot(env),
      maxBuffer: 1 << 24,
    });
    if (res.error) {
      throw new SetupError(
        `Go is not installed (needed once to fetch the ${src.project} CRDs): install Go, or copy the CRD files into ${dir}`,
      );
    }
    if (res.status !== 0) {
      const why = (res.stdout || res.stderr).trim().split('\n').pop();
      throw new SetupError(
        `could not fetch ${src.module}@${src.version} for the ${src.project} CRDs: ${why}`,
      );
    }
    const moduleDir = (JSON.parse(res.stdout) as { Dir: string }).Dir;
    mkdirSync(dir, { recursive: true });
    for (const f of src.files) {
      const from = join(moduleDir, f);
      if (!existsSync(from))
        throw new SetupError(`${src.module}@${src.version} has no ${f}: update EXTERNAL_CRD_SOURCES`);
      const to = join(dir, basename(f));
      copyFileSync(from, `${to}.tmp`);
      renameSync(`${to}.tmp`, to);
    }
    out.push(...wanted);
  }
  return out;
}

/** The YAML text of every external CRD file (multi-document files are returned whole). */
export function externalCrdYaml(options: { progress?: Progress; env?: NodeJS.ProcessEnv } = {}): string[] {
  return externalCrdFiles(options).map((p) => readFileSync(p, 'utf8'));
}
