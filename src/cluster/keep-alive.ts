import { Agent, type AgentOptions } from 'node:https';
import {
  createConfiguration,
  ServerConfiguration,
  type ApiType,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';

/** Connections kept to one API server: enough for concurrent writes and lists, bounded so a burst cannot open hundreds. */
const MAX_SOCKETS = 32;
const MAX_FREE_SOCKETS = 8;
/** Idle sockets close well before kube-apiserver's own idle timeout (90 s), so a reused one is rarely being closed by the server. */
const IDLE_SOCKET_MS = 30_000;
/** What client-node derives from the kubeconfig for a TLS connection (the agent options it copies). */
const TLS_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/**
 * The kubeconfig's authentication with one long-lived keep-alive agent. client-node 1.4 builds a
 * new https.Agent, hence a new TLS connection, for every request; here the KubeConfig still sets
 * each request's headers (so tokens from files, exec plugins or OIDC refresh as before), and the
 * TLS options it derives are used to build one shared agent, rebuilt only if they change (a rotated
 * client certificate or CA). Clusters reached through a proxy keep client-node's own agents.
 */
export class KeepAliveAuthentication implements SecurityAuthentication {
  private shared: { agent: Agent; tls: AgentOptions } | undefined;
  private readonly viaProxy: boolean;

  constructor(private readonly kubeConfig: KubeConfig) {
    this.viaProxy = Boolean(kubeConfig.getCurrentCluster()?.proxyUrl);
  }

  getName(): string {
    return 'kubeconfig-keep-alive';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.kubeConfig.applySecurityAuthentication(context);
    const perRequest = context.getAgent();
    if (this.viaProxy || !(perRequest instanceof Agent)) return;
    context.setAgent(this.agentFor(tlsOptionsOf(perRequest.options)));
  }

  /** Closes the kept connections (at shutdown). */
  destroy(): void {
    this.shared?.agent.destroy();
    this.shared = undefined;
  }

  private agentFor(tls: AgentOptions): Agent {
    if (this.shared && sameTlsOptions(this.shared.tls, tls)) return this.shared.agent;
    // A replaced agent is not destroyed: requests in flight finish, its idle sockets time out.
    const agent = new Agent({
      ...tls,
      keepAlive: true,
      maxSockets: MAX_SOCKETS,
      maxFreeSockets: MAX_FREE_SOCKETS,
      timeout: IDLE_SOCKET_MS,
      scheduling: 'lifo',
    });
    this.shared = { agent, tls };
    return agent;
  }
}

/** API clients whose requests authenticate through `authentication` (client-node's makeApiClient, with another auth method). */
export function apiClientFactory(
  kubeConfig: KubeConfig,
  authentication: SecurityAuthentication,
): <T extends ApiType>(apiType: new (configuration: ReturnType<typeof createConfiguration>) => T) => T {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('The kubeconfig has no current cluster');
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: authentication },
  });
  return (apiType) => new apiType(configuration);
}

// The TLS material client-node set, without the per-request agent's own state (path, noDelay, …).
function tlsOptionsOf(options: AgentOptions): AgentOptions {
  const picked: Record<string, unknown> = {};
  for (const name of TLS_OPTIONS) if (options[name] !== undefined) picked[name] = options[name];
  return picked;
}

function sameTlsOptions(a: AgentOptions, b: AgentOptions): boolean {
  return TLS_OPTIONS.every((name) => {
    const left: unknown = a[name];
    const right: unknown = b[name];
    return Buffer.isBuffer(left) && Buffer.isBuffer(right) ? left.equals(right) : left === right;
  });
}
