import { defineCommand, type HandlerModule } from '../../spec.js';

const load = (): Promise<HandlerModule> => import('./index.js');

export const serverSpec = defineCommand({
  name: 'server',
  summary: 'Run the OpenChoreo REST API server',
  description:
    'Serve the REST API (/api/v1alpha1, upstream-compatible /api/v1, /healthz, /readyz, /version, /metrics)\n' +
    'in front of the cluster of the current context, --kubeconfig, or in-cluster. Callers send a bearer\n' +
    'token; the server checks it with a Kubernetes TokenReview and acts as the caller by impersonation, so\n' +
    'Kubernetes RBAC decides what each caller sees and does. Its own identity needs only tokenreviews,\n' +
    'subjectaccessreviews and impersonate. Stops gracefully on SIGINT/SIGTERM.',
  flags: [
    {
      name: 'addr',
      type: 'string',
      placeholder: 'host:port',
      description: 'Listen address (overrides --address and --port)',
    },
    {
      name: 'address',
      type: 'string',
      default: '127.0.0.1',
      placeholder: 'host',
      description: 'Address to listen on',
    },
    { name: 'port', type: 'number', default: 8080, description: 'Port to listen on (0: any free port)' },
    {
      name: 'tls-cert',
      type: 'string',
      placeholder: 'file',
      description: 'PEM certificate: serve HTTPS (with --tls-key)',
    },
    { name: 'tls-key', type: 'string', placeholder: 'file', description: 'PEM private key of --tls-cert' },
    {
      name: 'cors-origins',
      type: 'string',
      placeholder: 'a,b',
      description: 'Comma-separated origins allowed by CORS (default: none, no CORS headers)',
    },
    { name: 'request-timeout', type: 'number', default: 30, description: 'Deadline of one request, seconds' },
  ],
  examples: [
    { description: 'Serve on localhost:8080 against the current context', command: 'choreoctl server' },
    { description: 'Serve on every interface, port 9000', command: 'choreoctl server --addr 0.0.0.0:9000' },
  ],
  load,
});
