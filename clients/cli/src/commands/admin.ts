import { Argument, Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Cli } from '../cli.js';
import { usageError } from '../errors.js';
import { accessReviewView, grantView, roleView } from '../views.js';
import { collect, duration } from '../values.js';

export const VERBS = [
  'read',
  'list',
  'create',
  'update',
  'rotate',
  'rollback',
  'revoke',
  'lease',
  'approve',
  'audit:read',
  'grants:manage',
  'webhooks:manage',
] as const;
type Verb = (typeof VERBS)[number];

function verb(value: string): Verb {
  const known = VERBS.find((candidate) => candidate === value);
  if (!known) throw usageError(`unknown verb ${value}: use ${VERBS.join(', ')}`);
  return known;
}

/** `--expires-at` (an ISO time) or `--expires-in` (a duration from now). */
function expiry(at: string | undefined, within: number | undefined): string | undefined {
  if (at !== undefined && within !== undefined) throw usageError('give --expires-at or --expires-in, not both');
  if (within !== undefined) return new Date(Date.now() + within * 1000).toISOString();
  if (at !== undefined && Number.isNaN(Date.parse(at))) throw usageError(`not a time: ${at}`);
  return at;
}

export function grantsCommand(cli: Cli): CommandUnknownOpts {
  const grants = new Command('grants').description('who may do what, where (grants:manage)');

  grants
    .command('list')
    .description('grants, optionally filtered')
    .option('--subject <subject>', 'only this subject (user:…, group:…, serviceaccount:ns/name)')
    .option('-n, --namespace <namespace>', 'only this namespace')
    .option('--role <role>', 'only this role')
    .action(async (options, command) => {
      const connection = await cli.connect(command);
      const items = await connection.call(
        connection.client.GET('/v1/grants', {
          params: { query: { subject: options.subject, namespace: options.namespace, role: options.role } },
        }),
      );
      cli.printer(command).list(items, grantView);
    });

  grants
    .command('get')
    .description('one grant')
    .argument('<id>', 'the grant id')
    .action(async (id, _options, command) => {
      const connection = await cli.connect(command);
      const grant = await connection.call(connection.client.GET('/v1/grants/{id}', { params: { path: { id } } }));
      cli.printer(command).item(grant, grantView);
    });

  grants
    .command('create')
    .description('grant a role to a subject on a namespace and name pattern')
    .requiredOption('--subject <subject>', 'user:…, group:… or serviceaccount:ns/name')
    .requiredOption('--role <role>', 'the role whose verbs it grants')
    .requiredOption('-n, --namespace <namespace>', 'a namespace, or * for all')
    .option('--name-pattern <glob>', 'secret names it covers (* and ?; default *)')
    .option('--expires-at <time>', 'when it stops applying (ISO 8601)')
    .option('--expires-in <duration>', 'or how long from now (e.g. 8h, 30d)', duration)
    .option('--max-lease-ttl <duration>', 'cap on the leases it allows', duration)
    .option('--reason <text>', 'why it exists')
    .action(async (options, command) => {
      const connection = await cli.connect(command);
      const created = await connection.call(
        connection.client.POST('/v1/grants', {
          body: {
            subject: options.subject,
            role: options.role,
            namespace: options.namespace,
            namePattern: options.namePattern,
            expiresAt: expiry(options.expiresAt, options.expiresIn),
            maxLeaseTtlSeconds: options.maxLeaseTtl,
            reason: options.reason,
          },
        }),
      );
      cli.printer(command).item(created, grantView);
    });

  grants
    .command('delete')
    .description('remove a grant')
    .argument('<id>', 'the grant id')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (id, options, command) => {
      await cli.confirm(`Delete grant ${id}?`, options.yes);
      const connection = await cli.connect(command);
      await connection.callWithoutBody(connection.client.DELETE('/v1/grants/{id}', { params: { path: { id } } }));
      cli.note(`grant ${id} deleted`);
    });

  return grants;
}

export function rolesCommand(cli: Cli): CommandUnknownOpts {
  const roles = new Command('roles').description('named sets of verbs (grants:manage)');

  roles
    .command('list')
    .description('built-in and custom roles')
    .action(async (_options, command) => {
      const connection = await cli.connect(command);
      cli.printer(command).list(await connection.call(connection.client.GET('/v1/roles')), roleView);
    });

  roles
    .command('create')
    .description('a custom role')
    .argument('<name>', 'the role name (a DNS label)')
    .requiredOption('--verb <verb>', `a verb it grants (repeatable): ${VERBS.join(', ')}`, collect, [])
    .option('--description <text>', 'what it is for')
    .option('--max-lease-ttl <duration>', 'cap on the leases any grant of it allows', duration)
    .action(async (name, options, command) => {
      const connection = await cli.connect(command);
      const created = await connection.call(
        connection.client.POST('/v1/roles', {
          body: {
            name,
            verbs: options.verb.map(verb),
            description: options.description,
            maxLeaseTtlSeconds: options.maxLeaseTtl,
          },
        }),
      );
      cli.printer(command).item(created, roleView);
    });

  roles
    .command('delete')
    .description('remove a custom role')
    .argument('<name>', 'the role')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name, options, command) => {
      await cli.confirm(`Delete role ${name}?`, options.yes);
      const connection = await cli.connect(command);
      await connection.callWithoutBody(connection.client.DELETE('/v1/roles/{name}', { params: { path: { name } } }));
      cli.note(`role ${name} deleted`);
    });

  return roles;
}

export function canICommand(cli: Cli): CommandUnknownOpts {
  return new Command('can-i')
    .description('whether you (or --as SUBJECT) may do VERB on NAMESPACE/NAME: exits 0 for yes, 1 for no')
    .addArgument(new Argument('<verb>', `one of ${VERBS.join(', ')}`).argParser(verb))
    .argument('<target>', 'NAMESPACE/NAME of a secret')
    .addOption(new Option('--as <subject>', 'ask for another subject (needs grants:manage over the target)'))
    .action(async (verbName, target, options, command) => {
      const [namespace, name, ...rest] = target.split('/');
      if (!namespace || !name || rest.length) throw usageError(`the target is NAMESPACE/NAME, not ${target}`);
      const connection = await cli.connect(command);
      const review = await connection.call(
        connection.client.POST('/v1/access-reviews', {
          body: { subject: options.as, verb: verbName, namespace, name },
        }),
      );
      const printer = cli.printer(command);
      if (cli.globals(command).output === undefined) printer.text(`${review.allowed ? 'yes' : 'no'}\n`);
      else printer.item(review, accessReviewView);
      if (!review.allowed) cli.exitCode = 1;
    });
}
