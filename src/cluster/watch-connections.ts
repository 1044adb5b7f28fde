import type { Agent } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * The kubeconfig as one informer's watch sees it: the original, but the agent behind each watch
 * request is handed to `onConnection`. client-node's informer cannot abort a watch whose request
 * is still being opened when it is stopped (it learns of the request only once the response
 * arrives), so that watch would stay connected, and keep the process alive, for as long as the
 * server lets it run. Destroying the agent closes the connection whatever state the informer is in.
 * An informer opens one watch at a time, each with a new agent (client-node 1.4).
 */
export function kubeConfigForWatch(kubeConfig: KubeConfig, onConnection: (agent: Agent) => void): KubeConfig {
  const forWatch = Object.create(kubeConfig) as KubeConfig;
  forWatch.applyToFetchOptions = async (options) => {
    const fetchOptions = await kubeConfig.applyToFetchOptions(options);
    if (isAgent(fetchOptions.agent)) onConnection(fetchOptions.agent);
    return fetchOptions;
  };
  return forWatch;
}

function isAgent(value: unknown): value is Agent {
  return typeof value === 'object' && value !== null && typeof (value as Agent).destroy === 'function';
}
