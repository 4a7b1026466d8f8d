/**
 * Argo Workflows' own validation (`github.com/argoproj/argo-workflows/v3/workflow/validate`, the code its
 * controller and `argo lint` run) as a small program, for the tests that check our ClusterWorkflowTemplates and
 * the Workflows the Build controller submits. Built once from a wrapper module at the version whose CRDs we
 * install (src/local/external-crds.ts) into ~/.cache/choreoctl/argo-validate/<version>/argo-validate.
 *
 * It reads YAML documents on stdin and prints one JSON line per object: {"kind","name","ok","error"}; it exits
 * 1 when any is invalid. Workflows are checked as a submission (every argument needs a value) against the
 * ClusterWorkflowTemplates given with them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cacheRoot, goEnv, type Progress, run, withBuildLock } from './binaries.js';
import { SetupError } from './errors.js';
import { EXTERNAL_CRD_SOURCES } from './external-crds.js';
import { GO_MIN_VERSION } from './versions.js';

const ARGO_MODULE = 'github.com/argoproj/argo-workflows/v3';

function argoVersion(): string {
  const v = EXTERNAL_CRD_SOURCES.find((s) => s.module === ARGO_MODULE)?.version;
  if (!v) throw new Error(`${ARGO_MODULE} is missing from EXTERNAL_CRD_SOURCES`);
  return v;
}

/** The Argo version of the CRDs we install (and so of its validation). */
export const ARGO_VERSION = argoVersion();

const MAIN_GO = `// argo-validate: Argo Workflows' own validation (workflow/validate) of ClusterWorkflowTemplates and Workflows
// read as YAML documents from stdin. One JSON line per object: {"kind","name","ok","error"}.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v3/workflow/validate"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

type clusterTemplates map[string]*wfv1.ClusterWorkflowTemplate

func (c clusterTemplates) Get(name string) (*wfv1.ClusterWorkflowTemplate, error) {
	if t, ok := c[name]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("clusterworkflowtemplate %q not found", name)
}

type noTemplates struct{}

func (noTemplates) Get(name string) (*wfv1.WorkflowTemplate, error) {
	return nil, fmt.Errorf("workflowtemplate %q not found", name)
}

type result struct {
	Kind  string \`json:"kind"\`
	Name  string \`json:"name"\`
	OK    bool   \`json:"ok"\`
	Error string \`json:"error,omitempty"\`
}

func main() {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(os.Stdin))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "argo-validate: reading stdin: %v\\n", err)
			os.Exit(2)
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
	cwts := clusterTemplates{}
	type item struct {
		kind string
		raw  []byte
	}
	var items []item
	for _, doc := range docs {
		var head struct {
			Kind string \`json:"kind"\`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			fmt.Fprintf(os.Stderr, "argo-validate: %v\\n", err)
			os.Exit(2)
		}
		if head.Kind == "ClusterWorkflowTemplate" {
			var t wfv1.ClusterWorkflowTemplate
			if err := yaml.UnmarshalStrict(doc, &t); err != nil {
				items = append(items, item{kind: "!" + err.Error(), raw: doc})
				continue
			}
			cwts[t.Name] = &t
		}
		items = append(items, item{kind: head.Kind, raw: doc})
	}
	out := json.NewEncoder(os.Stdout)
	failed := false
	for _, it := range items {
		r := result{Kind: it.kind}
		var err error
		switch it.kind {
		case "ClusterWorkflowTemplate":
			var t wfv1.ClusterWorkflowTemplate
			err = yaml.UnmarshalStrict(it.raw, &t)
			r.Name = t.Name
			if err == nil {
				err = validate.ValidateClusterWorkflowTemplate(noTemplates{}, cwts, &t, nil, validate.ValidateOpts{})
			}
		case "Workflow":
			var w wfv1.Workflow
			err = yaml.UnmarshalStrict(it.raw, &w)
			r.Name = w.Name + w.GenerateName
			if err == nil {
				err = validate.ValidateWorkflow(noTemplates{}, cwts, &w, nil, validate.ValidateOpts{Submit: true})
			}
		default:
			if len(it.kind) > 0 && it.kind[0] == '!' {
				r.Kind = "ClusterWorkflowTemplate"
				err = fmt.Errorf("%s", it.kind[1:])
			} else {
				err = fmt.Errorf("not a ClusterWorkflowTemplate or Workflow")
			}
		}
		r.OK = err == nil
		if err != nil {
			r.Error = err.Error()
			failed = true
		}
		_ = out.Encode(r)
	}
	if failed {
		os.Exit(1)
	}
}
`;

export function argoValidateCachePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'argo-validate', ARGO_VERSION, 'argo-validate');
}

/** The cached program, or undefined (nothing is built). */
export function findArgoValidate(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const p = argoValidateCachePath(env);
  return existsSync(p) ? p : undefined;
}

/** Find the program, or build it with Go into the cache (a few minutes, once per machine). */
export async function resolveArgoValidate(
  options: { progress?: Progress; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const found = findArgoValidate(env);
  if (found) return found;
  const progress = options.progress ?? ((m: string) => process.stderr.write(`${m}\n`));
  const out = argoValidateCachePath(env);
  const work = join(cacheRoot(env), 'argo-validate', `build-${ARGO_VERSION}`);
  const log = join(work, 'build.log');
  await withBuildLock(work, progress, async () => {
    if (existsSync(out)) return;
    const t0 = Date.now();
    progress(
      `building Argo's validation ${ARGO_VERSION} from its Go module (a few minutes, once); log: ${log}`,
    );
    const dir = join(work, 'mod');
    mkdirSync(dir, { recursive: true });
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(join(dir, 'go.mod'), `module choreoctl.local/argovalidate\n\ngo ${GO_MIN_VERSION}\n`);
    writeFileSync(join(dir, 'main.go'), MAIN_GO);
    const genv = goEnv(env);
    const go = (args: string[]) =>
      run('go', args, { cwd: dir, env: genv, log }).catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT')
          throw new SetupError("Go is not installed (needed once to build Argo's validation for the tests)");
        throw e;
      });
    await go(['get', `${ARGO_MODULE}@${ARGO_VERSION}`]);
    await go(['build', '-trimpath', '-ldflags', '-s -w', '-o', `${out}.tmp`, '.']);
    renameSync(`${out}.tmp`, out);
    progress(`  argo-validate built (${Math.round((Date.now() - t0) / 1000)}s)`);
  });
  return out;
}

export interface ArgoVerdict {
  kind: string;
  name: string;
  ok: boolean;
  error?: string;
}

/** Run Argo's validation on the objects (ClusterWorkflowTemplates and Workflows). */
export function argoValidate(bin: string, objects: readonly unknown[]): Promise<ArgoVerdict[]> {
  return new Promise((ok, fail) => {
    const child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0 && code !== 1) {
        fail(new Error(`argo-validate exited ${code}: ${stderr.trim()}`));
        return;
      }
      ok(
        stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as ArgoVerdict),
      );
    });
    child.stdin.end(objects.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join(''));
  });
}
