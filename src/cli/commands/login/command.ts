import { defineCommand, type HandlerModule } from '../../spec.js';

const load = <K extends 'login' | 'logout'>(name: K): Promise<HandlerModule> =>
  import('./index.js').then((m) => ({ default: m[name] }));

export const loginSpec = defineCommand({
  name: 'login',
  summary: 'Log in to an OpenChoreo API server and save an api-mode context',
  description:
    'Check a bearer token against the OpenChoreo API server (choreoctl server) and save it in an api-mode ' +
    'context of the config file (written 0600), which becomes the current context. The token is a ' +
    'Kubernetes token the server checks with a TokenReview (a ServiceAccount token, or one your cluster ' +
    "issues); what you may do is your Kubernetes RBAC. Without SERVER: the current context's server.\n\n" +
    'The token is read from --token-stdin, else $CHOREOCTL_TOKEN, else --token (which ends up in your ' +
    'shell history). It is never printed. In CI, $CHOREOCTL_API_URL and $CHOREOCTL_TOKEN work without login.',
  args: [{ name: 'server', description: 'Server URL, e.g. https://choreo.example.com', complete: 'none' }],
  flags: [
    { name: 'token-stdin', type: 'boolean', description: 'Read the token from standard input' },
    {
      name: 'token',
      type: 'string',
      placeholder: 'token',
      description: 'The token (prefer --token-stdin or $CHOREOCTL_TOKEN)',
    },
    {
      name: 'name',
      type: 'string',
      placeholder: 'context',
      description: "Context name (default: the current api context for this server, else the server's host)",
      complete: 'context',
    },
    {
      name: 'certificate-authority',
      type: 'string',
      placeholder: 'file',
      complete: 'file',
      description: "PEM file of the CA that signed the server's certificate",
    },
    {
      name: 'insecure-skip-tls-verify',
      type: 'boolean',
      description: "Don't verify the server's certificate (a test server only)",
    },
  ],
  examples: [
    {
      description: 'Log in with a ServiceAccount token',
      command: 'kubectl create token ci -n acme | choreoctl login https://choreo.example.com --token-stdin',
    },
    {
      description: 'Log in to a server with a private CA',
      command: 'choreoctl login https://choreo.internal --certificate-authority ca.pem --token-stdin < token',
    },
  ],
  load: () => load('login'),
});

export const logoutSpec = defineCommand({
  name: 'logout',
  summary: 'Remove the token of an api-mode context',
  description:
    'Remove the saved token of the current api-mode context (or --context NAME) from the config file. The ' +
    'context and its server stay, so `choreoctl login` without SERVER logs in again. The token itself stays ' +
    'valid in Kubernetes until it expires or is revoked there.',
  examples: [{ description: 'Log out of the current context', command: 'choreoctl logout' }],
  load: () => load('logout'),
});
