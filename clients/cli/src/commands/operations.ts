import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Cli } from '../cli.js';
import { usageError } from '../errors.js';
import { collect, duration, integer } from '../values.js';
import {
  auditEventView,
  deliveryView,
  leasedTokenView,
  leaseView,
  verificationView,
  webhookView,
  webhookWithSecretView,
} from '../views.js';
import { allPages } from './secrets.js';
import { VERBS } from './admin.js';

const AUDIT_ACTIONS = [
  ...VERBS,
  'authenticate',
  'suspicious_activity',
  'reconcile',
  'rewrap',
  'drift',
  'access_request.create',
  'access_request.review',
  'access_request.approve',
  'access_request.deny',
  'access_request.withdraw',
  'access_request.expire',
  'access_request.invalidate',
  'access_request.revoke',
  'access_request.break_glass',
  'access_request.post_review',
] as const;
const OUTCOMES = ['allowed', 'denied', 'succeeded', 'failed'] as const;
const LEASE_STATES = ['pending', 'active', 'revoked', 'expired'] as const;
const WEBHOOK_EVENTS = [
  'secret.created',
  'secret.updated',
  'secret.rotated',
  'secret.rolled_back',
  'secret.revoked',
  'secret.drifted',
  'rotation.failed',
  'lease.created',
  'lease.revoked',
  'lease.expired',
] as const;
const PAGE_SIZE = 100;

function time(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw usageError(`not a time: ${value}`);
  return new Date(value).toISOString();
}

export function auditCommand(cli: Cli): CommandUnknownOpts {
  const audit = new Command('audit').description('the audit trail (audit:read)');

  audit
    .command('query')
    .description('events, newest first')
    .option('--subject <subject>', 'only this subject')
    .addOption(new Option('--verb <verb>', 'only this action').choices(AUDIT_ACTIONS))
    .option('-n, --namespace <namespace>', 'only this namespace')
    .option('--name <name>', 'only this name')
    .addOption(new Option('--outcome <outcome>', 'only this outcome').choices(OUTCOMES))
    .option('--since <time>', 'at or after this time (ISO 8601)', time)
    .option('--until <time>', 'at or before this time (ISO 8601)', time)
    .option('--limit <count>', 'at most this many events', integer, 100)
    .action(async (options, command) => {
      const connection = await cli.connect(command);
      const { limit, ...filters } = options;
      const items = await allPages(
        (cursor) =>
          connection.call(
            connection.client.GET('/v1/audit-events', {
              params: { query: { ...filters, limit: Math.min(limit, PAGE_SIZE), continue: cursor } },
            }),
          ),
        limit,
      );
      cli.printer(command).list(items, auditEventView);
    });

  audit
    .command('verify')
    .description('verify the hash chain and its checkpoints: exits 0 when whole, 1 at the first broken link')
    .action(async (_options, command) => {
      const connection = await cli.connect(command);
      const result = await connection.call(connection.client.GET('/v1/audit-events/verify'));
      cli.printer(command).item(result, verificationView);
      if (!result.ok) {
        cli.note(`the audit chain is broken${result.firstBrokenId ? ` at event ${result.firstBrokenId}` : ''}`);
        cli.exitCode = 1;
      }
    });

  audit
    .command('export')
    .description('events of a time range as NDJSON on stdout')
    .option('--since <time>', 'at or after this time (ISO 8601)', time)
    .option('--until <time>', 'at or before this time (ISO 8601)', time)
    .action(async (options, command) => {
      const connection = await cli.connect(command);
      const stream = await connection.call(
        connection.client.GET('/v1/audit-events/export', {
          params: { query: { since: options.since, until: options.until } },
          parseAs: 'stream',
        }),
      );
      const decoder = new TextDecoder();
      const printer = cli.printer(command);
      const reader = stream?.getReader();
      if (!reader) return;
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        printer.text(decoder.decode(chunk.value as Uint8Array, { stream: true }));
      }
      printer.text(decoder.decode());
    });

  return audit;
}

export function leasesCommand(cli: Cli): CommandUnknownOpts {
  const leases = new Command('leases').description('short-lived ServiceAccount tokens (lease)');

  leases
    .command('list')
    .description('your leases (all of them with grants:manage)')
    .option('-n, --namespace <namespace>', 'only this namespace')
    .option('--subject <subject>', 'only this subject’s')
    .addOption(new Option('--state <state>', 'only this state').choices(LEASE_STATES))
    .action(async (options, command) => {
      const connection = await cli.connect(command);
      const items = await allPages((cursor) =>
        connection.call(connection.client.GET('/v1/leases', { params: { query: { ...options, continue: cursor } } })),
      );
      cli.printer(command).list(items, leaseView);
    });

  leases
    .command('get')
    .description('one lease')
    .argument('<id>', 'the lease id')
    .action(async (id, _options, command) => {
      const connection = await cli.connect(command);
      const lease = await connection.call(connection.client.GET('/v1/leases/{id}', { params: { path: { id } } }));
      cli.printer(command).item(lease, leaseView);
    });

  leases
    .command('create')
    .description('lease a token of a ServiceAccount: the token alone on stdout (with -o json, the lease too)')
    .argument('<service-account>', 'the ServiceAccount')
    .option('-n, --namespace <namespace>', 'its namespace (default: the context’s)')
    .requiredOption('--ttl <duration>', 'how long the token works (e.g. 15m)', duration)
    .option('--audience <audience>', 'who the token is for (repeatable)', collect, [])
    .option('--reason <text>', 'why, recorded with the lease')
    .action(async (serviceAccount, options, command) => {
      const connection = await cli.connect(command);
      const namespace = cli.namespace(command, options.namespace);
      const leased = await connection.call(
        connection.client.POST('/v1/namespaces/{namespace}/serviceaccounts/{name}/leases', {
          params: { path: { namespace, name: serviceAccount } },
          body: {
            ttlSeconds: options.ttl,
            audiences: options.audience.length ? options.audience : undefined,
            reason: options.reason,
          },
        }),
      );
      const printer = cli.printer(command);
      if (cli.globals(command).output !== undefined) return printer.item(leased, leasedTokenView);
      cli.note(`lease ${leased.lease.id} until ${leased.lease.expiresAt}`);
      printer.text(`${leased.token}\n`);
    });

  leases
    .command('revoke')
    .description('end a lease now: its token stops working')
    .argument('<id>', 'the lease id')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (id, options, command) => {
      await cli.confirm(`Revoke lease ${id}?`, options.yes);
      const connection = await cli.connect(command);
      const revoked = await connection.call(connection.client.DELETE('/v1/leases/{id}', { params: { path: { id } } }));
      cli.printer(command).item(revoked, leaseView);
    });

  return leases;
}

export function webhooksCommand(cli: Cli): CommandUnknownOpts {
  const webhooks = new Command('webhooks').description('event subscriptions and their deliveries (webhooks:manage)');

  webhooks
    .command('list')
    .description('subscriptions')
    .action(async (_options, command) => {
      const connection = await cli.connect(command);
      cli.printer(command).list(await connection.call(connection.client.GET('/v1/webhooks')), webhookView);
    });

  webhooks
    .command('get')
    .description('one subscription')
    .argument('<id>', 'the subscription id')
    .action(async (id, _options, command) => {
      const connection = await cli.connect(command);
      const webhook = await connection.call(connection.client.GET('/v1/webhooks/{id}', { params: { path: { id } } }));
      cli.printer(command).item(webhook, webhookView);
    });

  webhooks
    .command('create')
    .description('subscribe a URL: its signing secret is printed once, on stdout')
    .requiredOption('--url <url>', 'where deliveries are POSTed')
    .addOption(
      new Option('--event <type>', `an event type (repeatable): ${WEBHOOK_EVENTS.join(', ')}`)
        .argParser(eventType)
        .makeOptionMandatory(),
    )
    .requiredOption('-n, --namespace <namespace>', 'a namespace, or * for all')
    .option('--name-pattern <glob>', 'secret names (* and ?; default *)')
    .option('--description <text>', 'what it is for')
    .option('--expires-at <time>', 'when deliveries stop (ISO 8601)', time)
    .action(async (options, command) => {
      const connection = await cli.connect(command);
      const created = await connection.call(
        connection.client.POST('/v1/webhooks', {
          body: {
            url: options.url,
            eventTypes: options.event,
            namespace: options.namespace,
            namePattern: options.namePattern,
            description: options.description,
            expiresAt: options.expiresAt,
          },
        }),
      );
      const printer = cli.printer(command);
      if (cli.globals(command).output !== undefined) return printer.item(created, webhookWithSecretView);
      cli.note(`webhook ${created.id} created; its signing secret (shown once) follows`);
      printer.text(`${created.signingSecret}\n`);
    });

  webhooks
    .command('delete')
    .description('remove a subscription')
    .argument('<id>', 'the subscription id')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (id, options, command) => {
      await cli.confirm(`Delete webhook ${id}?`, options.yes);
      const connection = await cli.connect(command);
      await connection.callWithoutBody(connection.client.DELETE('/v1/webhooks/{id}', { params: { path: { id } } }));
      cli.note(`webhook ${id} deleted`);
    });

  webhooks
    .command('deliveries')
    .description('the delivery log of a subscription')
    .argument('<id>', 'the subscription id')
    .action(async (id, _options, command) => {
      const connection = await cli.connect(command);
      const items = await allPages((cursor) =>
        connection.call(
          connection.client.GET('/v1/webhooks/{id}/deliveries', {
            params: { path: { id }, query: { continue: cursor } },
          }),
        ),
      );
      cli.printer(command).list(items, deliveryView);
    });

  return webhooks;
}

function eventType(value: string, previous: (typeof WEBHOOK_EVENTS)[number][] | undefined) {
  const known = WEBHOOK_EVENTS.find((candidate) => candidate === value);
  if (!known) throw usageError(`unknown event type ${value}: use ${WEBHOOK_EVENTS.join(', ')}`);
  return [...(previous ?? []), known];
}
