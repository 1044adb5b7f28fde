import type { BrokerClient } from '../../typescript/index.js';
import { createBrokerClient } from '../../typescript/index.js';
import { CliError, exitCodeForStatus, ExitCode, type Problem } from './errors.js';
import { isRecord } from './config.js';
import { VERSION } from './version.js';

export type { BrokerClient };

/** The typed REST client for `server`, sending the token and brokerctl's User-Agent. */
export function brokerClient(server: string, token: string): BrokerClient {
  const client = createBrokerClient(server, token);
  client.use({
    onRequest: ({ request }) => {
      request.headers.set('user-agent', `brokerctl/${VERSION}`);
      return request;
    },
  });
  return client;
}

interface Answer<Data> {
  readonly data?: Data;
  readonly error?: unknown;
  readonly response: Response;
}

/** The data of a successful answer; a refusal becomes a CliError carrying the broker's problem object. */
export async function call<Data>(request: Promise<Answer<Data>>, server: string): Promise<Data> {
  const { data, error, response } = await reach(request, server);
  if (!response.ok || data === undefined) throw refusal(error, response);
  return data;
}

/** For answers without a body (204). */
export async function callWithoutBody(request: Promise<Answer<unknown>>, server: string): Promise<void> {
  const { error, response } = await reach(request, server);
  if (!response.ok) throw refusal(error, response);
}

async function reach<Data>(request: Promise<Answer<Data>>, server: string): Promise<Answer<Data>> {
  try {
    return await request;
  } catch (error) {
    const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new CliError(ExitCode.unavailable, `cannot reach the broker at ${server}: ${reason}`);
  }
}

function refusal(error: unknown, response: Response): CliError {
  const status = response.status;
  const problem: Problem =
    isRecord(error) && typeof error.title === 'string' && typeof error.detail === 'string'
      ? {
          ...error,
          type: typeof error.type === 'string' ? error.type : 'about:blank',
          title: error.title,
          detail: error.detail,
        }
      : {
          type: 'about:blank',
          title: response.statusText || `HTTP ${status}`,
          status,
          detail: typeof error === 'string' && error ? error : `the broker answered ${status}`,
        };
  return new CliError(exitCodeForStatus(status), problem);
}
