// The container's HEALTHCHECK (`node dist/src/cli/healthcheck.js`): GET /healthz on this
// container's broker, over HTTPS when TLS_CERT_FILE is set (the broker then serves HTTPS only),
// plain HTTP otherwise. Exits 0 on a 200, 1 on anything else or no answer within 3 s.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const TIMEOUT_MS = 3_000;
const ANY_ADDRESS = new Set(['', '0.0.0.0', '::']);

const host = ANY_ADDRESS.has(process.env.HOST?.trim() ?? '') ? '127.0.0.1' : (process.env.HOST as string);
const port = Number(process.env.PORT || 8080);
const tls = (process.env.TLS_CERT_FILE?.trim() ?? '') !== '';

const request = (tls ? httpsRequest : httpRequest)(
  // The broker's own certificate names its public address, not this loopback connection, and
  // liveness is all that is asked here: the certificate is not checked.
  { host, port, path: '/healthz', timeout: TIMEOUT_MS, rejectUnauthorized: false },
  (response) => {
    response.resume();
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
);
request.on('timeout', () => request.destroy(new Error('no answer')));
request.on('error', () => process.exit(1));
request.end();
