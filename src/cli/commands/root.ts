/**
 * The command tree. Importing this module loads only specs (plain data): handlers are imported lazily.
 * To add a command: create commands/<name>/command.ts + index.ts and list the spec here.
 */
import { defineCommand } from '../spec.js';
import { completeSpec } from './__complete/command.js';
import { applySpec } from './apply/command.js';
import { approveSpec, rejectSpec } from './approve/command.js';
import { completionSpec } from './completion/command.js';
import { configSpec } from './config/command.js';
import { controllerSpec } from './controller/command.js';
import { createSpec } from './create/command.js';
import { deleteSpec } from './delete/command.js';
import { describeSpec } from './describe/command.js';
import { diffSpec } from './diff/command.js';
import { explainSpec } from './explain/command.js';
import { getSpec } from './get/command.js';
import { initSpec } from './init/command.js';
import { installSpec, uninstallSpec } from './install/command.js';
import { localSpec } from './local/command.js';
import { loginSpec, logoutSpec } from './login/command.js';
import { logsSpec } from './logs/command.js';
import { promoteSpec } from './promote/command.js';
import { quickstartSpec } from './quickstart/command.js';
import { rollbackSpec } from './rollback/command.js';
import { serverSpec } from './server/command.js';
import { versionSpec } from './version/command.js';

export const rootSpec = defineCommand({
  name: 'choreoctl',
  summary: 'choreoctl controls the OpenChoreo internal developer platform',
  description:
    'choreoctl controls the OpenChoreo internal developer platform.\n\n' +
    'Environment: CHOREOCTL_CONFIG (config file), CHOREOCTL_CONTEXT,\n' +
    'CHOREOCTL_ORG, CHOREOCTL_PROJECT, CHOREOCTL_COMPONENT, CHOREOCTL_ENV,\n' +
    'CHOREOCTL_API_URL, CHOREOCTL_TOKEN, NO_COLOR, FORCE_COLOR.\n' +
    'Exit codes: 0 ok, 1 error, 2 usage error (diff: 0 no differences, 1 differences, 3 error).',
  subcommands: [
    quickstartSpec,
    initSpec,
    getSpec,
    describeSpec,
    createSpec,
    applySpec,
    diffSpec,
    deleteSpec,
    logsSpec,
    promoteSpec,
    approveSpec,
    rejectSpec,
    rollbackSpec,
    explainSpec,
    configSpec,
    loginSpec,
    logoutSpec,
    completionSpec,
    versionSpec,
    installSpec,
    uninstallSpec,
    controllerSpec,
    serverSpec,
    localSpec,
    completeSpec,
  ],
});
