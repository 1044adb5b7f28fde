import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Cli } from '../cli.js';
import { usageError } from '../errors.js';
import { collect, integer, parseGenerators, parseLabels, readSecretData } from '../values.js';
import { consumerView, secretView, valuesView, versionView, writeView } from '../views.js';

const NAMESPACE_FLAGS = '-n, --namespace <namespace>';
const NAMESPACE_HELP = 'the namespace (default: the context’s)';

/** The pages of a list, followed to the end. */
export async function allPages<Item>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: Item[]; continue: string | null }>,
  limit = Infinity,
): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.continue ?? undefined;
  } while (cursor && items.length < limit);
  return items.slice(0, limit);
}

function secretPath(namespace: string, name: string) {
  return { params: { path: { namespace, name } } } as const;
}

export function secretsCommand(cli: Cli): CommandUnknownOpts {
  const secrets = new Command('secrets').description('list, read and change secrets');

  secrets
    .command('list')
    .description('names, keys, versions and state of the secrets of a namespace (never values)')
    .option(NAMESPACE_FLAGS, NAMESPACE_HELP)
    .option('-l, --selector <selector>', 'only secrets with matching labels (a Kubernetes label selector)')
    .action(async (options, command) => {
      const connection = await cli.connect(command);
      const namespace = cli.namespace(command, options.namespace);
      const items = await allPages((cursor) =>
        connection.call(
          connection.client.GET('/v1/namespaces/{namespace}/secrets', {
            params: { path: { namespace }, query: { labelSelector: options.selector, continue: cursor } },
          }),
        ),
      );
      cli.printer(command).list(items, secretView);
    });

  secrets
    .command('get')
    .description('a secret’s metadata and current version; with --reveal, its values (needs read)')
    .argument('<name>', 'the secret')
    .option(NAMESPACE_FLAGS, NAMESPACE_HELP)
    .option('--reveal', 'request the values (recorded in the audit trail) and print them')
    .option('-k, --key <key>', 'with --reveal: only this key (repeatable)', collect, [])
    .option('--reason <text>', 'with --reveal: why, recorded in the audit trail')
    .action(async (name, options, command) => {
      const connection = await cli.connect(command);
      const namespace = cli.namespace(command, options.namespace);
      const printer = cli.printer(command);
      if (!options.reveal) {
        const secret = await connection.call(
          connection.client.GET('/v1/namespaces/{namespace}/secrets/{name}', secretPath(namespace, name)),
        );
        return printer.item(secret, secretView);
      }
      const revealed = await connection.call(
        connection.client.POST('/v1/namespaces/{namespace}/secrets/{name}/request', {
          ...secretPath(namespace, name),
          body: { keys: options.key.length ? options.key : undefined, reason: options.reason },
        }),
      );
      if (printer.json) return printer.text(`${JSON.stringify(revealed, null, 2)}\n`);
      printer.list(revealed.values, valuesView);
    });

  secrets
    .command('create')
    .description('create a secret from files, an env file or standard input, or with generated values')
    .argument('<name>', 'the new secret')
    .option(NAMESPACE_FLAGS, NAMESPACE_HELP)
    .option('--from-file <key=path>', 'a key’s value from a file; - reads standard input (repeatable)', collect, [])
    .option('--from-env-file <path>', 'keys and values from a KEY=VALUE file; - reads standard input')
    .option(
      '--generate <key=type>',
      'a generated key: TYPE[,param=value…], e.g. password=password,length=32 (repeatable)',
      collect,
      [],
    )
    .option('--type <type>', 'the Kubernetes Secret type (default Opaque)')
    .option('--label <key=value>', 'a label (repeatable)', collect, [])
    .option('--reason <text>', 'why, recorded in the audit trail')
    .action(async (name, options, command) => {
      const connection = await cli.connect(command);
      const namespace = cli.namespace(command, options.namespace);
      const values = await readSecretData(cli.io, options.fromFile, options.fromEnvFile);
      const generate = parseGenerators(options.generate);
      if (!values && !generate) throw usageError('give values (--from-file, --from-env-file) or --generate');
      const created = await connection.call(
        connection.client.POST('/v1/namespaces/{namespace}/secrets', {
          params: { path: { namespace } },
          body: {
            name,
            ...values,
            generate,
            type: options.type,
            labels: parseLabels(options.label),
            reason: options.reason,
          },
        }),
      );
      cli.printer(command).item(created, writeView);
    });

  secrets
    .command('update')
    .description('set new values from files, an env file or standard input (a new version)')
    .argument('<name>', 'the secret')
    .option(NAMESPACE_FLAGS, NAMESPACE_HELP)
    .option('--from-file <key=path>', 'a key’s value from a file; - reads standard input (repeatable)', collect, [])
    .option('--from-env-file <path>', 'keys and values from a KEY=VALUE file; - reads standard input')
    .option('--if-version <version>', 'refuse (exit 6) unless this is still the current version', integer)
    .option('--restart-workloads', 'restart the workloads that use it once the new version is live')
    .option('--reason <text>', 'why, recorded in the audit trail')
    .action(async (name, options, command) => {
      const connection = await cli.connect(command);
      const namespace = cli.namespace(command, options.namespace);
      const values = await readSecretData(cli.io, options.fromFile, options.fromEnvFile);
      if (!values) throw usageError('give values with --from-file or --from-env-file');
      const updated = await connection.call(
        connection.client.PUT('/v1/namespaces/{namespace}/secrets/{name}', {
          params: {
            path: { namespace, name },
            header: options.ifVersion === undefined ? undefined : { 'If-Match': `"${options.ifVersion}"` },
          },
          body: { ...values, restartWorkloads: options.restartWorkloads, reason: options.reason },
        }),
      );
      cli.printer(command).item(updated, writeView);
    });

  secrets
    .command('rotate')
    .description('generate new values with the stored policy (a new version; values are not printed)')
    .argument('<name>', 'the secret')
    .option(NAMESPACE_FLAGS, NAMESPACE_HELP)
    .option('-k, --key <key>', 'only this key (repeatable)', collect, [])
    .option(
      '--generate <key=type>',
      'a generator for this rotation: KEY=TYPE[,param=value…] (needs update too)',
      collect,
      [],
    )
    .option('--restart-workloads', 'restart the workloads that use it once the new version is live')
    .option('--reason <text>', 'why, recorded in the audit trail')
    .action(async (name, options, command) => {
      const connection = await cli.connect(command);
      const namespace = cli.namespace(command, options.namespace);
      const rotated = await connection.call(
        connection.client.POST('/v1/namespaces/{namespace}/secrets/{name}/rotate', {
          ...secretPath(namespace, name),
          body: {
            keys: options.key.length ? options.key : undefined,
            generate: parseGenerators(options.generate),
            restartWorkloads: options.restartWorkloads,
            reason: options.reason,
          },
        }),
      );
      cli.printer(command).item(rotated, writeView);
    });

  secrets
    .command('rollback')
    .description('make an earlier version’s values current again (a new version)')
    .argument('<name>', 'the secret')
    .requiredOption('--to-version <version>', 'the version whose values to restore', integer)
    .option(NAMESPACE_FLAGS, NAMESPACE_HELP)
    .option('--restart-workloads', 'restart the workloads that use it once the new version is live')
    .option('--reason <text>', 'why, recorded in the audit trail')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name, options, command) => {
      const namespace = cli.namespace(command, options.namespace);
      await cli.confirm(`Roll ${namespace}/${name} back to version ${options.toVersion}?`, options.yes);
      const connection = await cli.connect(command);
      const rolledBack = await connection.call(
        connection.client.POST('/v1/namespaces/{namespace}/secrets/{name}/rollback', {
          ...secretPath(namespace, name),
          body: { version: options.toVersion, restartWorkloads: options.restartWorkloads, reason: options.reason },
        }),
      );
      cli.printer(command).item(rolledBack, writeView);
    });

  secrets
    .command('revoke')
    .description('delete the Secret from the cluster; its history stays and it is marked revoked')
    .argument('<name>', 'the secret')
    .requiredOption('--reason <text>', 'why, recorded in the audit trail')
    .option(NAMESPACE_FLAGS, NAMESPACE_HELP)
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name, options, command) => {
      const namespace = cli.namespace(command, options.namespace);
      await cli.confirm(`Revoke ${namespace}/${name}?`, options.yes);
      const connection = await cli.connect(command);
      const revoked = await connection.call(
        connection.client.POST('/v1/namespaces/{namespace}/secrets/{name}/revoke', {
          ...secretPath(namespace, name),
          body: { reason: options.reason },
        }),
      );
      cli.printer(command).item(revoked, secretView);
    });

  secrets
    .command('versions')
    .description('the version history: fingerprints, never values')
    .argument('<name>', 'the secret')
    .option(NAMESPACE_FLAGS, NAMESPACE_HELP)
    .action(async (name, options, command) => {
      const connection = await cli.connect(command);
      const namespace = cli.namespace(command, options.namespace);
      const versions = await connection.call(
        connection.client.GET('/v1/namespaces/{namespace}/secrets/{name}/versions', secretPath(namespace, name)),
      );
      cli.printer(command).list(versions, versionView);
    });

  secrets
    .command('consumers')
    .description('the workloads that use the secret, and how (the blast radius)')
    .argument('<name>', 'the secret')
    .option(NAMESPACE_FLAGS, NAMESPACE_HELP)
    .action(async (name, options, command) => {
      const connection = await cli.connect(command);
      const namespace = cli.namespace(command, options.namespace);
      const consumers = await connection.call(
        connection.client.GET('/v1/namespaces/{namespace}/secrets/{name}/consumers', secretPath(namespace, name)),
      );
      cli.printer(command).list(consumers, consumerView);
    });

  return secrets;
}
