import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Schemas } from '../../../typescript/index.js';
import type { Cli, Connection } from '../cli.js';
import { CliError, ExitCode } from '../errors.js';
import { collect, duration, integer } from '../values.js';
import { accessPolicyView, accessRequestView } from '../views.js';
import { allPages } from './secrets.js';

type AccessRequest = Schemas['AccessRequestView'];

const VIEWS = ['mine', 'needs-my-review', 'all'] as const;
const STATES = ['pending', 'approved', 'denied', 'withdrawn', 'expired', 'invalidated'] as const;
const POLL_INTERVAL_MS = 1000;

function requestPath(id: string) {
  return { params: { path: { id } } } as const;
}

/**
 * Polls the request until it leaves pending: approved ends the wait (exit 0); denied, withdrawn,
 * expired, invalidated or the timeout exit 7.
 */
async function waitForDecision(
  cli: Cli,
  connection: Connection,
  request: AccessRequest,
  timeoutSeconds: number,
): Promise<AccessRequest> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let current = request;
  let reported = -1;
  while (current.state === 'pending') {
    if (current.approvals !== reported) {
      cli.note(`waiting for approval of ${current.id}: ${current.approvals} of ${current.approvalsRequired}`);
      reported = current.approvals;
    }
    if (Date.now() >= deadline) {
      throw new CliError(ExitCode.notApproved, `access request ${current.id} still pending after ${timeoutSeconds} s`);
    }
    await sleep(Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now())));
    current = await connection.call(connection.client.GET('/v1/access-requests/{id}', requestPath(current.id)));
  }
  return current;
}

/** Prints the request; after --wait, anything but approved exits 7. */
async function show(
  cli: Cli,
  command: CommandUnknownOpts,
  connection: Connection,
  request: AccessRequest,
  wait: { wait?: true; timeout: number },
) {
  const final = wait.wait && !request.dryRun ? await waitForDecision(cli, connection, request, wait.timeout) : request;
  cli.printer(command).item(final, accessRequestView);
  if (wait.wait && !final.dryRun && final.state !== 'approved') {
    cli.note(
      `access request ${final.id} ended ${final.state}${final.resolutionReason ? `: ${final.resolutionReason}` : ''}`,
    );
    cli.exitCode = ExitCode.notApproved;
  }
}

function requestOptions<Args extends unknown[]>(command: Command<Args>) {
  return command
    .requiredOption('--policy <name>', 'the access policy to ask under')
    .requiredOption('--role <role>', 'one of the roles the policy offers')
    .requiredOption('-n, --namespace <namespace>', 'a namespace inside the policy’s')
    .option('--name-pattern <glob>', 'secret names inside the policy’s (default: the policy’s)')
    .requiredOption('--duration <duration>', 'how long the access should last (e.g. 30m, 8h)', duration);
}

export function accessCommand(cli: Cli): CommandUnknownOpts {
  const access = new Command('access').description(
    'just-in-time access: ask for a role for a while, and review others’ requests',
  );

  requestOptions(access.command('request').description('ask for access under a policy; --wait waits for the decision'))
    .option('--reason <text>', 'why (some policies require one)')
    .option('--start-at <time>', 'when the access should start (ISO 8601; default: at approval)')
    .option('--dry-run', 'only show who could approve and the effective duration; nothing is stored')
    .option('--wait', 'wait until it is decided: exit 0 once approved, 7 when denied, withdrawn, expired or timed out')
    .option('--timeout <duration>', 'with --wait: how long to wait', duration, 3600)
    .action(async (options, command) => {
      const connection = await cli.connect(command);
      const request = await connection.call(
        connection.client.POST('/v1/access-requests', {
          body: {
            policy: options.policy,
            role: options.role,
            namespace: options.namespace,
            namePattern: options.namePattern,
            durationSeconds: options.duration,
            reason: options.reason,
            startAt: options.startAt,
            dryRun: options.dryRun,
          },
        }),
      );
      if (!request.dryRun) cli.note(`access request ${request.id} is ${request.state}`);
      await show(cli, command, connection, request, options);
    });

  requestOptions(
    access
      .command('break-glass')
      .description(
        'take access at once as a break-glass subject of the policy (loud: audited, notified, reviewed afterwards)',
      ),
  )
    .requiredOption('--reason <text>', 'why (required)')
    .action(async (options, command) => {
      const connection = await cli.connect(command);
      const request = await connection.call(
        connection.client.POST('/v1/access-requests', {
          body: {
            policy: options.policy,
            role: options.role,
            namespace: options.namespace,
            namePattern: options.namePattern,
            durationSeconds: options.duration,
            reason: options.reason,
            breakGlass: true,
          },
        }),
      );
      cli.printer(command).item(request, accessRequestView);
    });

  access
    .command('list')
    .description('access requests: yours, those waiting for your review, or all you may see')
    .addOption(new Option('--view <view>', 'mine, needs-my-review or all').choices(VIEWS).default('mine' as const))
    .addOption(new Option('--state <state>', 'only this state').choices(STATES))
    .action(async (options, command) => {
      const connection = await cli.connect(command);
      const items = await allPages((cursor) =>
        connection.call(
          connection.client.GET('/v1/access-requests', {
            params: { query: { view: options.view, state: options.state, continue: cursor } },
          }),
        ),
      );
      cli.printer(command).list(items, accessRequestView);
    });

  access
    .command('get')
    .description('one request with its reviews and grant; --wait waits for the decision')
    .argument('<id>', 'the request id')
    .option('--wait', 'wait until it is decided: exit 0 once approved, 7 otherwise')
    .option('--timeout <duration>', 'with --wait: how long to wait', duration, 3600)
    .action(async (id, options, command) => {
      const connection = await cli.connect(command);
      const request = await connection.call(connection.client.GET('/v1/access-requests/{id}', requestPath(id)));
      await show(cli, command, connection, request, options);
    });

  access
    .command('approve')
    .description('approve another subject’s request (you need approve over its scope)')
    .argument('<id>', 'the request id')
    .option('--reason <text>', 'why')
    .option('--max-duration <duration>', 'the longest access you agree to (can only shorten it)', duration)
    .action(async (id, options, command) => {
      const connection = await cli.connect(command);
      const reviewed = await connection.call(
        connection.client.POST('/v1/access-requests/{id}/reviews', {
          ...requestPath(id),
          body: { decision: 'approve', reason: options.reason, maxDurationSeconds: options.maxDuration },
        }),
      );
      cli.printer(command).item(reviewed, accessRequestView);
    });

  access
    .command('deny')
    .description('deny a request: one denial ends it')
    .argument('<id>', 'the request id')
    .requiredOption('--reason <text>', 'why (required)')
    .action(async (id, options, command) => {
      const connection = await cli.connect(command);
      const reviewed = await connection.call(
        connection.client.POST('/v1/access-requests/{id}/reviews', {
          ...requestPath(id),
          body: { decision: 'deny', reason: options.reason },
        }),
      );
      cli.printer(command).item(reviewed, accessRequestView);
    });

  access
    .command('withdraw')
    .description('withdraw your own pending request')
    .argument('<id>', 'the request id')
    .option('--reason <text>', 'why')
    .action(async (id, options, command) => {
      const connection = await cli.connect(command);
      const withdrawn = await connection.call(
        connection.client.POST('/v1/access-requests/{id}/withdraw', {
          ...requestPath(id),
          body: { reason: options.reason },
        }),
      );
      cli.printer(command).item(withdrawn, accessRequestView);
    });

  access
    .command('revoke')
    .description('end approved access early (requester, an approver, or grants:manage)')
    .argument('<id>', 'the request id')
    .requiredOption('--reason <text>', 'why (required)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (id, options, command) => {
      await cli.confirm(`End the access of request ${id}?`, options.yes);
      const connection = await cli.connect(command);
      const revoked = await connection.call(
        connection.client.POST('/v1/access-requests/{id}/revoke', {
          ...requestPath(id),
          body: { reason: options.reason },
        }),
      );
      cli.printer(command).item(revoked, accessRequestView);
    });

  access
    .command('post-review')
    .description('record the review a break-glass use needs afterwards')
    .argument('<id>', 'the request id')
    .addOption(
      new Option('--outcome <outcome>', 'acknowledged or flagged')
        .choices(['acknowledged', 'flagged'] as const)
        .makeOptionMandatory(),
    )
    .option('--reason <text>', 'notes')
    .action(async (id, options, command) => {
      const connection = await cli.connect(command);
      const reviewed = await connection.call(
        connection.client.POST('/v1/access-requests/{id}/post-review', {
          ...requestPath(id),
          body: { outcome: options.outcome, reason: options.reason },
        }),
      );
      cli.printer(command).item(reviewed, accessRequestView);
    });

  access.addCommand(policiesCommand(cli));
  return access;
}

function policiesCommand(cli: Cli): CommandUnknownOpts {
  const policies = new Command('policies').description(
    'who may ask for which role where, and who approves (grants:manage)',
  );

  policies
    .command('list')
    .description('access policies')
    .action(async (_options, command) => {
      const connection = await cli.connect(command);
      cli.printer(command).list(await connection.call(connection.client.GET('/v1/access-policies')), accessPolicyView);
    });

  policies
    .command('get')
    .description('one access policy')
    .argument('<name>', 'the policy')
    .action(async (name, _options, command) => {
      const connection = await cli.connect(command);
      const policy = await connection.call(
        connection.client.GET('/v1/access-policies/{name}', { params: { path: { name } } }),
      );
      cli.printer(command).item(policy, accessPolicyView);
    });

  policies
    .command('create')
    .description('an access policy')
    .argument('<name>', 'the policy name')
    .requiredOption('-n, --namespace <namespace>', 'a namespace, or * for all')
    .option('--name-pattern <glob>', 'secret names (* and ?; default *)')
    .requiredOption('--role <role>', 'a role that may be requested (repeatable)', collect, [])
    .requiredOption('--requester <subject>', 'who may ask: user:…, group:… (repeatable)', collect, [])
    .option('--approvals <count>', 'distinct approvals needed', integer, 1)
    .requiredOption('--max-duration <duration>', 'the longest access (e.g. 8h)', duration)
    .option('--pending-ttl <duration>', 'how long a request may wait (default 24h)', duration)
    .option('--require-reason', 'requests must give a reason')
    .option('--break-glass-subject <subject>', 'who may take the access at once (repeatable)', collect, [])
    .option('--break-glass-max-duration <duration>', 'the longest break-glass access', duration)
    .action(async (name, options, command) => {
      const connection = await cli.connect(command);
      const created = await connection.call(
        connection.client.POST('/v1/access-policies', {
          body: {
            name,
            namespace: options.namespace,
            namePattern: options.namePattern,
            roles: options.role,
            requesters: options.requester,
            approvalsRequired: options.approvals,
            maxDurationSeconds: options.maxDuration,
            pendingTtlSeconds: options.pendingTtl,
            requireReason: options.requireReason,
            breakGlass: options.breakGlassSubject.length
              ? {
                  subjects: options.breakGlassSubject,
                  maxDurationSeconds: options.breakGlassMaxDuration ?? options.maxDuration,
                }
              : undefined,
          },
        }),
      );
      cli.printer(command).item(created, accessPolicyView);
    });

  policies
    .command('delete')
    .description('remove an access policy (its pending requests are invalidated)')
    .argument('<name>', 'the policy')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name, options, command) => {
      await cli.confirm(`Delete access policy ${name}?`, options.yes);
      const connection = await cli.connect(command);
      await connection.callWithoutBody(
        connection.client.DELETE('/v1/access-policies/{name}', { params: { path: { name } } }),
      );
      cli.note(`access policy ${name} deleted`);
    });

  return policies;
}
