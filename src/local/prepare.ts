/**
 * One-time machine set-up, run by .ci/run before the tests (and by a newcomer through `npm test`): make sure the
 * control-plane binaries (and kube-scheduler + kwok for simulated nodes) exist, building them with Go when they are not cached. Prints one clear line on failure.
 */
import { ARGO_BUILD_COMMAND, findArgoController, resolveArgoController } from './argo-controller.js';
import { resolveArgoValidate } from './argo-validate.js';
import { resolveAllBinaries } from './binaries.js';
import { SetupError } from './errors.js';
import { externalCrdFiles } from './external-crds.js';
import { resolveHelm } from './helm.js';

const started = Date.now();
try {
  const bins = await resolveAllBinaries({ progress: (m) => process.stderr.write(`${m}\n`) });
  for (const [name, path] of Object.entries(bins)) process.stderr.write(`${name}: ${path}\n`);
  const crds = externalCrdFiles({ progress: (m) => process.stderr.write(`${m}\n`) });
  process.stderr.write(`${crds.length} external CRD files cached\n`);
  // Only the chart tests need helm: a failed build skips them instead of failing the set-up.
  const helm = await resolveHelm({ progress: (m) => process.stderr.write(`${m}\n`) }).catch((e: unknown) => {
    process.stderr.write(
      `helm could not be built (${(e as Error).message}): the Helm chart tests will be skipped\n`,
    );
    return undefined;
  });
  if (helm) process.stderr.write(`helm: ${helm}\n`);
  // Only the build-template tests need Argo's validation: a failed build skips them.
  const argo = await resolveArgoValidate({ progress: (m) => process.stderr.write(`${m}\n`) }).catch(
    (e: unknown) => {
      process.stderr.write(
        `Argo's validation could not be built (${(e as Error).message}): the build-template tests that use it will be skipped\n`,
      );
      return undefined;
    },
  );
  if (argo) process.stderr.write(`argo-validate: ${argo}\n`);
  // Argo's workflow-controller (builds in `local up` and the real-Argo Build tests) is large: built on request only.
  const controller = process.argv.includes('--with-argo')
    ? await resolveArgoController({ progress: (m) => process.stderr.write(`${m}\n`) })
    : findArgoController();
  process.stderr.write(
    controller
      ? `workflow-controller: ${controller}\n`
      : `Argo's workflow-controller is not built (builds do not run in \`local up\`; the real-Argo tests skip): \`${ARGO_BUILD_COMMAND}\` builds it\n`,
  );
  process.stderr.write(`control-plane binaries ready in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
} catch (e) {
  if (e instanceof SetupError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
