import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Authenticator, type GrantRule, type UserInfo } from './auth.js';
import { now } from './crud.js';
import { ApiError, errors, statusForCode } from './errors.js';
import { sendError, sendJson } from './http.js';
import { JwtSigner } from './jwt.js';
import { buildKubeconfig } from './kubeconfig.js';
import { Faults, type FaultRule } from './faults.js';
import { Router, parseResourcePath } from './router.js';
import { StateDirectory } from './state-directory.js';
import { objectKey, Store } from './store.js';
import { servingCert } from './tls.js';

export interface EmulatorOptions {
  /** HTTPS port; 0 (the default) picks a free one. */
  port?: number;
  /** Plain-HTTP port; 0 (the default) picks a free one. */
  httpPort?: number;
  host?: string;
  /** Events kept per resource for watch resumption and paging snapshots (the watch-cache window). */
  historyWindow?: number;
  /** How often a watch with allowWatchBookmarks receives a BOOKMARK (the real server: about a minute). */
  bookmarkIntervalMs?: number;
  /** Keep identity (certificate, keys, admin token) and objects here, across restarts (dev mode). */
  stateDir?: string;
}

type ResolvedOptions = Required<Omit<EmulatorOptions, 'stateDir'>> & Pick<EmulatorOptions, 'stateDir'>;

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  status: number;
  at: number;
  /** What RBAC would be asked about a resource request; absent for non-resource paths (discovery, health). */
  access?: ResourceAccess;
}

/** The authorization attributes of a resource request, as the API server derives them from its path. */
export interface ResourceAccess {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  /** Empty for cluster-scoped resources and requests across all namespaces. */
  namespace: string;
  /** Empty for collections (list, watch, create). */
  name: string;
}

/** Paths the default `system:public-info-viewer` role lets anyone read. */
const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);
const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class KubernetesEmulator {
  readonly faults: { inject(rule: FaultRule): void; clear(): void };
  readonly adminToken: string;
  private readonly log: RequestRecord[] = [];
  private readonly faultRules = new Faults();
  private readonly watches = new Set<ServerResponse>();
  /** Every TCP connection, so stop() ends them all: closeAllConnections() misses TLS connections no request was parsed on. */
  private readonly sockets = new Set<Socket>();
  private tlsConnectionCount = 0;
  private readonly router: Router;
  private readonly auth: Authenticator;
  private https!: Server;
  private http!: Server;

  private constructor(
    private readonly options: ResolvedOptions,
    readonly caPem: string,
    private readonly store: Store,
    signer: JwtSigner,
    adminToken: string,
    private readonly state: StateDirectory | undefined,
  ) {
    this.adminToken = adminToken;
    this.auth = new Authenticator(store, signer, this.adminToken);
    this.faults = { inject: (rule) => this.faultRules.inject(rule), clear: () => this.faultRules.clear() };
    this.router = new Router({
      store,
      auth: this.auth,
      signer,
      bookmarkIntervalMs: options.bookmarkIntervalMs,
      serverAddress: () => `${this.options.host}:${this.port}`,
      watches: this.watches,
    });
    for (const name of DEFAULT_NAMESPACES) this.ensureNamespace(name);
  }

  /** Creates the namespace unless it exists (dev mode's `team-a`, the defaults at start). */
  ensureNamespace(name: string): void {
    if (this.store.get('namespaces', name)) return;
    this.store.put('namespaces', name, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, uid: randomUUID(), creationTimestamp: now(), labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }

  /** Creates the ServiceAccount unless it exists (dev mode's `team-a/app-web`, which the README leases). */
  ensureServiceAccount(namespace: string, name: string): void {
    this.ensureNamespace(namespace);
    if (this.store.get('serviceaccounts', objectKey(namespace, name))) return;
    this.store.put('serviceaccounts', objectKey(namespace, name), {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace, uid: randomUUID(), creationTimestamp: now() },
    });
  }

  static async start(options: EmulatorOptions = {}): Promise<KubernetesEmulator> {
    const opts: ResolvedOptions = {
      port: 0,
      httpPort: 0,
      host: '127.0.0.1',
      historyWindow: 10_000,
      bookmarkIntervalMs: 60_000,
      ...options,
    };
    const state = opts.stateDir === undefined ? undefined : new StateDirectory(opts.stateDir);
    const saved = state?.identity();
    const [cert, signer] = await Promise.all([
      saved ? { cert: saved.certPem, key: saved.keyPem } : servingCert(opts.host),
      JwtSigner.create(saved?.signingKeyPem),
    ]);
    const adminToken = saved?.adminToken ?? randomBytes(24).toString('base64url');
    if (state && !saved) {
      state.saveIdentity({ certPem: cert.cert, keyPem: cert.key, signingKeyPem: signer.privateKeyPem(), adminToken });
    }
    const store = new Store(opts.historyWindow);
    const contents = state?.contents();
    if (contents) store.restore(contents);
    state?.follow(store);
    const emulator = new KubernetesEmulator(opts, cert.cert, store, signer, adminToken, state);
    const handler = (req: IncomingMessage, res: ServerResponse) => void emulator.handle(req, res);
    emulator.https = createHttpsServer({ cert: cert.cert, key: cert.key }, handler);
    emulator.https.on('secureConnection', () => emulator.tlsConnectionCount++);
    emulator.http = createHttpServer(handler);
    for (const server of [emulator.https, emulator.http]) {
      server.on('connection', (socket: Socket) => {
        emulator.sockets.add(socket);
        socket.once('close', () => emulator.sockets.delete(socket));
      });
    }
    await Promise.all([listen(emulator.https, opts.port, opts.host), listen(emulator.http, opts.httpPort, opts.host)]);
    return emulator;
  }

  get port(): number {
    return (this.https.address() as AddressInfo).port;
  }

  get httpsUrl(): string {
    return `https://${urlHost(this.options.host)}:${this.port}`;
  }

  get httpUrl(): string {
    return `http://${urlHost(this.options.host)}:${(this.http.address() as AddressInfo).port}`;
  }

  get requests(): ReadonlyArray<RequestRecord> {
    return this.log;
  }

  /** TLS connections accepted on the HTTPS listener since start, so tests can tell keep-alive from a handshake per call. */
  get tlsConnections(): number {
    return this.tlsConnectionCount;
  }

  clearRequestLog(): void {
    this.log.length = 0;
  }

  /** Extra permissions for ServiceAccount tokens (which otherwise may only review themselves and read discovery). */
  grant(rule: GrantRule): void {
    this.auth.grants.push(rule);
  }

  /** Drops the retained event history, like an etcd compaction: watches and continues from before now get 410. */
  compact(): void {
    this.store.compact();
  }

  /** Ends every open watch stream cleanly, as the API server does when a watch times out; clients resume from their last resourceVersion. */
  closeWatches(): void {
    for (const res of this.watches) res.end();
    this.watches.clear();
  }

  kubeconfig(options: { token?: string; namespace?: string } = {}): string {
    return buildKubeconfig({
      server: this.httpsUrl,
      caPem: this.caPem,
      token: options.token ?? this.adminToken,
      namespace: options.namespace,
    });
  }

  async writeKubeconfig(path: string, options: { token?: string; namespace?: string } = {}): Promise<void> {
    await writeFile(path, this.kubeconfig(options), { mode: 0o600 });
  }

  async stop(): Promise<void> {
    this.state?.save(this.store);
    for (const server of [this.https, this.http]) server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([this.https, this.http].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const record: RequestRecord = {
      method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ''),
      status: 0,
      at: Date.now(),
    };
    this.log.push(record);
    res.on('close', () => {
      record.status = res.headersSent ? res.statusCode : 0;
    });
    try {
      const fault = this.faultRules.take(method, url.pathname);
      if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault?.drop) {
        req.socket.destroy();
        return;
      }
      if (fault?.stall) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        res.flushHeaders();
        return;
      }
      if (fault?.status)
        throw statusForCode(fault.status, fault.retryAfterSeconds ?? (fault.status === 429 ? 1 : undefined));
      await this.serve(req, res, url, method, record);
    } catch (err) {
      if (!(err instanceof ApiError)) console.error('emulator: unexpected error', err);
      sendError(res, err);
    }
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    record: RequestRecord,
  ): Promise<void> {
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
    const header = req.headers.authorization ?? '';
    const token = /^bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    const authn = token ? this.auth.authenticate(token) : undefined;
    const user: UserInfo | undefined = authn && 'user' in authn ? authn.user : undefined;
    if (!user && !(PUBLIC_PATHS.has(path) && !token)) throw errors.unauthorized();
    const info = parseResourcePath(method, path, url.searchParams);
    if (!info) {
      const attributes = {
        verb: method.toLowerCase(),
        resourceRequest: false,
        path,
        group: '',
        resource: '',
        subresource: '',
        namespace: '',
        name: '',
      };
      if (user && !this.auth.allowed(user, attributes)) throw this.auth.forbidden(user, attributes);
      const body = method === 'GET' ? this.router.nonResource(path) : undefined;
      if (body === undefined) {
        if (path.startsWith('/api')) throw errors.pathNotFound();
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
        return;
      }
      if (typeof body === 'string') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(body);
        return;
      }
      sendJson(res, 200, body);
      return;
    }
    const { verb, group, resource, subresource, namespace, name } = info;
    record.access = { verb, group, resource, subresource, namespace, name };
    if (!user) throw errors.unauthorized();
    if (!this.auth.allowed(user, info)) throw this.auth.forbidden(user, info);
    await this.router.resource(info, user, req, res, url.searchParams);
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
