import pg from 'pg';
import type { Logger } from 'pino';

const CHANNEL = /^[a-z][a-z0-9_]{0,62}$/;

export interface ChannelListenerOptions {
  readonly url: string;
  readonly channel: string;
  /** Names the connection in pg_stat_activity. */
  readonly applicationName: string;
  readonly logger: Logger;
  onNotification(payload: string): void;
  /** LISTEN is in place, first or again: whatever was sent while it was not is lost. */
  onListening(): void;
  readonly backoff?: Backoff;
}

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

const DEFAULT_BACKOFF: Backoff = { initialMs: 200, maxMs: 30_000 };

/** Exponential, capped, with jitter (half to all of the step) so replicas do not reconnect in step. */
export function reconnectDelay(failures: number, backoff: Backoff, random: () => number = Math.random): number {
  const step = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(failures, 30));
  return Math.round(step / 2 + (step / 2) * random());
}

/**
 * LISTENs on one PostgreSQL channel over a dedicated connection (a pooled one cannot hold a
 * LISTEN), and reconnects with backoff whenever that connection fails or is closed by the server.
 */
export class PgChannelListener {
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: ChannelListenerOptions) {
    if (!CHANNEL.test(options.channel)) throw new Error(`invalid channel name ${options.channel}`);
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: this.options.applicationName,
      keepAlive: true,
    });
    this.client = client;
    let lost = false;
    const lose = (error: unknown) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
      if (!this.stopped) this.reconnectLater(error);
    };
    client.on('error', lose);
    client.on('end', () => lose(new Error('connection closed')));
    client.on('notification', (message) => {
      if (message.channel === this.options.channel) this.options.onNotification(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (error) {
      lose(error);
      return;
    }
    if (this.stopped || lost) return;
    if (this.failures > 0) this.options.logger.info({ channel: this.options.channel }, 'listening again');
    this.failures = 0;
    this.options.onListening();
  }

  private reconnectLater(error: unknown): void {
    const delay = reconnectDelay(this.failures++, this.options.backoff ?? DEFAULT_BACKOFF);
    this.options.logger.warn(
      { err: error, channel: this.options.channel, retryInMs: delay },
      'notification connection lost; reconnecting',
    );
    this.retry = setTimeout(() => void this.connect(), delay);
    this.retry.unref();
  }
}
