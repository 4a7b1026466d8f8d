// The floor of a Node CLI's `get -o json` (bench:cli's informational row): read the JSON kubeconfig of the
// current context, build one TLS context, send one GET, print the list as indented JSON. Nothing else: no
// argument parsing, no config, no discovery, no output module. What it costs beside kubectl is what Node
// itself costs for that command; what choreoctl costs beyond it is ours.
// Usage: KUBECONFIG=<JSON kubeconfig> node floor-get.mjs <path>   (e.g. /apis/g/v/namespaces/ns/components)
import { readFileSync } from 'node:fs';
import https from 'node:https';

const kc = JSON.parse(readFileSync(process.env.KUBECONFIG, 'utf8'));
const ctx = kc.contexts.find((c) => c.name === kc['current-context']).context;
const cluster = kc.clusters.find((c) => c.name === ctx.cluster).cluster;
const user = kc.users.find((u) => u.name === ctx.user).user;
const b64 = (s) => (s ? Buffer.from(s, 'base64') : undefined);
const req = https.get(
  new URL(process.argv[2], cluster.server),
  {
    ca: b64(cluster['certificate-authority-data']),
    cert: b64(user['client-certificate-data']),
    key: b64(user['client-key-data']),
    headers: {
      accept: 'application/json',
      ...(user.token ? { authorization: `Bearer ${user.token}` } : {}),
    },
  },
  (res) => {
    const chunks = [];
    res.on('data', (d) => chunks.push(d));
    res.on('end', () => {
      if (res.statusCode !== 200) {
        process.stderr.write(`GET ${process.argv[2]}: HTTP ${res.statusCode}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${JSON.stringify(JSON.parse(Buffer.concat(chunks).toString()), null, 2)}\n`);
    });
  },
);
req.on('error', (e) => {
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
});
