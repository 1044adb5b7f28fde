import {
  ApiException,
  ListWatch,
  type CoreV1Api,
  type Informer,
  type KubeConfig,
  type V1Secret,
  type V1SecretList,
} from '@kubernetes/client-node';
import type { Agent } from 'node:http';
import type { Logger } from 'pino';
import { SecretCacheStatus, type SecretCacheState, type WatchState } from './secret-cache-status.js';
import type { SecretChangeListener } from './secret-changes.js';
import type { SecretStore } from './secret-store.js';
import { kubeConfigForWatch } from './watch-connections.js';
import { HeartbeatWatch } from './heartbeat-watch.js';

/** Items per list page: large lists are read in pages, as client-go's reflector reads them. */
const LIST_PAGE = 500;

export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_WATCH_BACKOFF: Backoff = { baseMs: 250, maxMs: 30_000 };

export interface SecretWatchOptions {
  /** One watch per namespace; every namespace (one watch) when undefined. */
  readonly namespaces: readonly string[] | undefined;
  readonly labelSelector: string | undefined;
  readonly backoff?: Backoff;
  /** How long a lost watch's secrets may still be served when the API server cannot be read. */
  readonly maxStalenessMs: number;
  /**
   * A watch that hears nothing (no event, no bookmark) for this long is taken for a dead
   * connection: dropped, and the secrets listed again.
   */
  readonly heartbeatMs: number;
}

interface Scope {
  /** undefined: every namespace. */
  readonly namespace: string | undefined;
  state: WatchState;
  synced: boolean;
  failures: number;
  /** When the watch last stopped watching (its secrets are current up to then). */
  lostAt: number | undefined;
  informer: Informer<V1Secret> | undefined;
  /** The agent of the informer's current watch request, destroyed when the informer is dropped. */
  connection: Agent | undefined;
  /** When the watch last heard from the server (its list, an event or a bookmark). */
  heardAt: number;
  restart: NodeJS.Timeout | undefined;
}

/**
 * Informers (client-node `makeInformer`) that keep the SecretStore current. An informer relists
 * by itself after 410 Gone and resumes after a watch the server closed; on any other error it
 * stops, so it is replaced by a new one (a fresh list) after an exponential backoff. While a
 * namespace's watch is not watching, its reads go to the API server.
 */
export class SecretWatcher extends SecretCacheStatus {
  private readonly scopes: Scope[];
  private readonly listeners = new Set<SecretChangeListener>();
  private readonly backoff: Backoff;
  private stopped = false;
  private liveness: NodeJS.Timeout | undefined;
  private silentDropped = 0;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly core: CoreV1Api,
    private readonly store: SecretStore,
    private readonly options: SecretWatchOptions,
    private readonly logger: Logger,
  ) {
    super();
    this.backoff = options.backoff ?? DEFAULT_WATCH_BACKOFF;
    const namespaces = options.namespaces ?? [undefined];
    this.scopes = namespaces.map((namespace) => ({
      namespace,
      state: 'listing',
      synced: false,
      failures: 0,
      lostAt: undefined,
      informer: undefined,
      connection: undefined,
      heardAt: 0,
      restart: undefined,
    }));
  }

  start(): void {
    for (const scope of this.scopes) this.watch(scope);
    // Checked several times per deadline, so a silent watch is dropped soon after it passes.
    this.liveness = setInterval(() => this.dropSilentWatches(), Math.max(this.options.heartbeatMs / 4, 50)).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.liveness);
    await Promise.all(
      this.scopes.map(async (scope) => {
        clearTimeout(scope.restart);
        const informer = scope.informer;
        scope.informer = undefined;
        await informer?.stop();
        this.disconnect(scope);
      }),
    );
  }

  /** Listeners hear of every change after the store has it, so a read in the listener sees it. */
  onChange(listener: SecretChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private announce(secret: V1Secret): void {
    const { namespace, name } = secret.metadata ?? {};
    if (!namespace || !name) return;
    for (const listener of this.listeners) {
      try {
        listener(namespace, name);
      } catch (error) {
        this.logger.warn({ error: describe(error) }, 'a secret change listener failed');
      }
    }
  }

  /** Whether a watch covers `namespace` (the broker's writes there are kept in the store). */
  covers(namespace: string): boolean {
    return this.scopeOf(namespace) !== undefined;
  }

  /** Whether reads of `namespace` can be answered from the store now. */
  serves(namespace: string): boolean {
    return this.scopeOf(namespace)?.state === 'watching';
  }

  /**
   * Whether the store may answer for `namespace` when the API server cannot: its watch is lost
   * (or relisting) for less than the staleness bound, after having listed once.
   */
  servesStale(namespace: string): boolean {
    const scope = this.scopeOf(namespace);
    return scope !== undefined && this.withinStaleness(scope);
  }

  servesFromCache(): boolean {
    return this.scopes.every((scope) => scope.state === 'watching' || this.withinStaleness(scope));
  }

  state(): SecretCacheState {
    return {
      enabled: true,
      watches: this.scopes.length,
      listed: this.scopes.filter((scope) => scope.synced).length,
      watching: this.scopes.filter((scope) => scope.state === 'watching').length,
      cachedSecrets: this.store.size,
      silentWatchesDropped: this.silentDropped,
    };
  }

  private withinStaleness(scope: Scope): boolean {
    if (!scope.synced) return false;
    if (scope.state === 'watching') return true;
    return scope.lostAt !== undefined && Date.now() - scope.lostAt <= this.options.maxStalenessMs;
  }

  private scopeOf(namespace: string): Scope | undefined {
    return this.options.namespaces === undefined
      ? this.scopes[0]
      : this.scopes.find((scope) => scope.namespace === namespace);
  }

  private watch(scope: Scope): void {
    if (this.stopped) return;
    const path = scope.namespace === undefined ? '/api/v1/secrets' : `/api/v1/namespaces/${scope.namespace}/secrets`;
    const onConnection = (agent: Agent) => {
      if (scope.informer !== informer || this.stopped) agent.destroy();
      else scope.connection = agent;
    };
    const heard = () => {
      if (scope.informer === informer) scope.heardAt = Date.now();
    };
    const informer: Informer<V1Secret> = new ListWatch(
      path,
      new HeartbeatWatch(kubeConfigForWatch(this.kubeConfig, onConnection), heard),
      () => this.list(scope, informer),
      false,
      this.options.labelSelector,
    );
    const current = () => scope.informer === informer && !this.stopped;
    const observed = (secret: V1Secret, deleted: boolean) => {
      if (!current()) return;
      if (deleted) this.store.observeDeleted(secret);
      else this.store.observe(secret);
      this.announce(secret);
    };
    informer.on('add', (secret) => observed(secret, false));
    informer.on('update', (secret) => observed(secret, false));
    informer.on('delete', (secret) => observed(secret, true));
    informer.on('error', (error) => current() && this.lost(scope, informer, error));
    scope.informer = informer;
    void informer.start().catch((error: unknown) => current() && this.lost(scope, informer, error));
  }

  /** The informer's list: read in pages, then made the store's content for this scope. */
  private async list(scope: Scope, informer: Informer<V1Secret>): Promise<V1SecretList> {
    if (scope.state === 'watching') scope.lostAt = Date.now();
    scope.state = scope.synced ? 'relisting' : 'listing';
    const items: V1Secret[] = [];
    let resourceVersion: string | undefined;
    let continueToken: string | undefined;
    do {
      const request = { labelSelector: this.options.labelSelector, limit: LIST_PAGE, _continue: continueToken };
      const page =
        scope.namespace === undefined
          ? await this.core.listSecretForAllNamespaces(request)
          : await this.core.listNamespacedSecret({ ...request, namespace: scope.namespace });
      resourceVersion ??= page.metadata?.resourceVersion;
      items.push(...page.items);
      continueToken = page.metadata?._continue || undefined;
    } while (continueToken);
    // A list that finishes after stop() must not start a watch: the informer takes this as an error.
    if (scope.informer !== informer || this.stopped) throw new Error('secret watch stopped');
    this.store.relisted(scope.namespace, items, resourceVersion ?? '');
    if (scope.failures > 0) this.logger.info({ watch: scope.namespace ?? '*' }, 'secret watch recovered');
    Object.assign(scope, { state: 'watching', synced: true, failures: 0, lostAt: undefined, heardAt: Date.now() });
    return { apiVersion: 'v1', kind: 'SecretList', metadata: { resourceVersion }, items };
  }

  /** A watch past its heartbeat deadline: the connection may be open with nothing coming (a hung proxy, a stalled server). */
  private dropSilentWatches(): void {
    const now = Date.now();
    for (const scope of this.scopes) {
      const informer = scope.informer;
      if (this.stopped || !informer || scope.state !== 'watching' || now - scope.heardAt <= this.options.heartbeatMs)
        continue;
      this.silentDropped++;
      this.lost(scope, informer, new Error(`nothing heard for ${Math.round((now - scope.heardAt) / 1000)} s`));
    }
  }

  private disconnect(scope: Scope): void {
    scope.connection?.destroy();
    scope.connection = undefined;
  }

  private lost(scope: Scope, informer: Informer<V1Secret>, error: unknown): void {
    scope.informer = undefined;
    void informer.stop();
    this.disconnect(scope);
    if (scope.state === 'watching') scope.lostAt = Date.now();
    scope.state = scope.synced ? 'lost' : 'listing';
    const ceiling = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** scope.failures++);
    const delayMs = Math.round(ceiling * (0.5 + Math.random() / 2));
    this.logger.warn(
      { watch: scope.namespace ?? '*', error: describe(error), retryInMs: delayMs },
      'secret watch lost; its secrets are read from the API server until it is back',
    );
    scope.restart = setTimeout(() => this.watch(scope), delayMs).unref();
  }
}

// Status texts and transport errors only: an API error's body is a Status, never secret data, but it is long.
function describe(error: unknown): string {
  if (error instanceof ApiException) return `HTTP ${error.code}`;
  if (error instanceof Error) {
    const status = (error as Error & { statusCode?: number }).statusCode;
    return status === undefined ? error.message : `HTTP ${status} ${error.message}`;
  }
  return String(error);
}
