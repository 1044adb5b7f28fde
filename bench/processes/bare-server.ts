/**
 * The physical limit of this machine for the broker's health check: a bare node:http server
 * answering the same JSON (node:https over the same certificate when given its certificate and
 * key files as arguments). Prints its port, then serves until killed.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

const body = JSON.stringify({ status: 'ok' });
const answer = (_request: IncomingMessage, response: ServerResponse) => {
  response.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
};
const [certFile, keyFile] = process.argv.slice(2);
const server =
  certFile && keyFile
    ? createTlsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, answer)
    : createServer(answer);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`),
);
