import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { stringify } from 'yaml';
import { brokerClient, call } from '../client.js';
import type { Cli } from '../cli.js';
import { DEFAULT_CONTEXT, type Context } from '../config.js';
import { usageError } from '../errors.js';
import { jwtExpiry, loginWithBrowser } from '../login.js';
import { cell, type View } from '../output.js';
import { describeSource } from '../session.js';
import { duration } from '../values.js';
import { grantView } from '../views.js';

const DEFAULT_CLIENT_ID = 'brokerctl';

export function whoamiCommand(cli: Cli): CommandUnknownOpts {
  return new Command('whoami')
    .description('who the broker takes you for, your grants, and where your credential came from')
    .action(async (_options, command) => {
      const connection = await cli.connect(command);
      const whoami = await connection.call(connection.client.GET('/v1/whoami'));
      const credential = {
        source: connection.credential.source.kind,
        description: describeSource(connection.credential.source),
      };
      const format = cli.globals(command).output;
      const printer = cli.printer(command);
      // The subject is its own name: user:…, group:…, serviceaccount:….
      if (format === 'name') return printer.text(`${whoami.subject}\n`);
      if (format === 'json' || format === 'yaml') {
        return printer.item({ ...whoami, server: connection.server, credential }, whoamiView);
      }
      printer.text(
        [
          `Subject:     ${whoami.subject}`,
          `Acts as:     ${whoami.subjects.join(', ')}`,
          `Server:      ${connection.server}`,
          `Credential:  ${credential.description}`,
          `Grants:${whoami.grants.length ? '' : '      none'}`,
          ...whoami.grants.map(
            (grant) =>
              `  ${grantView.columns
                .slice(1)
                .map(([header, get]) => `${header.toLowerCase()}=${cell(get(grant))}`)
                .join(' ')}`,
          ),
        ].join('\n') + '\n',
      );
    });
}

const whoamiView: View<{ subject: string }> = { kind: 'subject', columns: [], name: (whoami) => whoami.subject };

export function loginCommand(cli: Cli): CommandUnknownOpts {
  return new Command('login')
    .description(
      'sign in with the context’s OpenID provider (Authorization Code + PKCE, loopback redirect), or store a token given with --token-file',
    )
    .option('--issuer <url>', 'the OpenID provider (default: the context’s)')
    .option('--client-id <id>', `the OAuth client (default: the context’s, else ${DEFAULT_CLIENT_ID})`)
    .option('--scope <scopes>', 'scopes to ask for (default: the context’s, else openid)')
    .option('--no-browser', 'only print the sign-in URL')
    .option('--timeout <duration>', 'how long to wait for the sign-in', duration, 300)
    .action(async (options, command) => {
      const workspace = cli.workspace(command);
      const server = workspace.server;
      const context = workspace.context;
      const contextName = workspace.contextName;
      const tokenFile = workspace.globals.tokenFile;
      let accessToken: string;
      let expiresAt: number | undefined;
      let issuer: string | undefined;
      if (tokenFile !== undefined) {
        accessToken = await workspace.tokenFrom(tokenFile);
        expiresAt = jwtExpiry(accessToken);
      } else {
        issuer = options.issuer ?? context.issuer;
        if (!issuer)
          throw usageError(
            'no OpenID provider: pass --issuer or set one in the context (brokerctl config set-context)',
          );
        ({ accessToken, expiresAt } = await loginWithBrowser(cli.io, {
          issuer,
          clientId: options.clientId ?? context.clientId ?? DEFAULT_CLIENT_ID,
          scope: options.scope ?? context.scope ?? 'openid',
          timeoutSeconds: options.timeout,
          openBrowser: options.browser && cli.io.stderr.isTTY === true,
        }));
      }
      // Stored only once the broker accepts it.
      const whoami = await call(brokerClient(server, accessToken).GET('/v1/whoami'), server);
      const path = workspace.store.writeCredential(contextName, {
        accessToken,
        server,
        ...(expiresAt === undefined ? {} : { expiresAt }),
        ...(issuer === undefined ? {} : { issuer }),
      });
      cli.note(`Signed in to ${server} as ${whoami.subject}; the token is in ${path}`);
    });
}

export function logoutCommand(cli: Cli): CommandUnknownOpts {
  return new Command('logout')
    .description('remove the token brokerctl login stored for the context')
    .action((_options, command) => {
      const workspace = cli.workspace(command);
      const removed = workspace.store.removeCredential(workspace.contextName);
      cli.note(
        removed
          ? `Signed out of context ${workspace.contextName}`
          : `Context ${workspace.contextName} had no stored login`,
      );
    });
}

export function configCommand(cli: Cli): CommandUnknownOpts {
  const config = new Command('config').description('contexts: which broker, which OpenID provider, which namespace');

  config
    .command('view')
    .description('the config file (YAML; -o json for JSON)')
    .action((_options, command) => {
      const workspace = cli.workspace(command);
      const file = workspace.store.load();
      cli.io.stdout.write(
        cli.globals(command).output === 'json' ? `${JSON.stringify(file, null, 2)}\n` : stringify(file),
      );
    });

  config
    .command('get-contexts')
    .description('the contexts, the current one marked')
    .action((_options, command) => {
      const workspace = cli.workspace(command);
      const file = workspace.store.load();
      const current = workspace.contextName;
      const rows = Object.entries(file.contexts).map(([name, context]) => ({
        name,
        current: name === current,
        loggedIn: workspace.store.readCredential(name) !== undefined,
        ...context,
      }));
      cli.printer(command).list(rows, {
        kind: 'context',
        columns: [
          ['CURRENT', (row) => (row.current ? '*' : '')],
          ['NAME', (row) => row.name],
          ['SERVER', (row) => row.server],
          ['ISSUER', (row) => row.issuer],
          ['NAMESPACE', (row) => row.namespace],
          ['LOGGED IN', (row) => (row.loggedIn ? 'yes' : 'no')],
        ],
        name: (row) => row.name,
      });
    });

  config
    .command('current-context')
    .description('the context in use')
    .action((_options, command) => {
      cli.io.stdout.write(`${cli.workspace(command).contextName}\n`);
    });

  config
    .command('set-context')
    .description('create or change a context (only the settings given change)')
    .argument('[name]', 'the context', DEFAULT_CONTEXT)
    .option('--server <url>', 'the broker')
    .option('--issuer <url>', 'the OpenID provider brokerctl login signs in with')
    .option('--client-id <id>', `its OAuth client for brokerctl (default ${DEFAULT_CLIENT_ID})`)
    .option('--scope <scopes>', 'scopes login asks for (default openid)')
    .option('-n, --namespace <namespace>', 'the default namespace')
    .option('--use', 'make it the current context')
    .action((name, options, command) => {
      const workspace = cli.workspace(command);
      const file = workspace.store.load();
      const { use, ...settings } = options;
      // --server is also the global option: commander gives it to the program.
      const server = options.server ?? workspace.globals.server;
      const changes: Context = Object.fromEntries(
        Object.entries({ ...settings, server }).filter(([, value]) => value !== undefined),
      );
      file.contexts[name] = { ...file.contexts[name], ...changes };
      if (use || file.currentContext === undefined) file.currentContext = name;
      workspace.store.save(file);
      cli.note(`context ${name} saved in ${workspace.store.configPath}`);
    });

  config
    .command('use-context')
    .description('make a context the current one')
    .argument('<name>', 'the context')
    .action((name, _options, command) => {
      const workspace = cli.workspace(command);
      const file = workspace.store.load();
      if (!file.contexts[name]) throw usageError(`no context named ${name}`);
      workspace.store.save({ ...file, currentContext: name });
      cli.note(`now using context ${name}`);
    });

  config
    .command('delete-context')
    .description('remove a context and its stored login')
    .argument('<name>', 'the context')
    .action((name, _options, command) => {
      const workspace = cli.workspace(command);
      const file = workspace.store.load();
      if (!file.contexts[name]) throw usageError(`no context named ${name}`);
      delete file.contexts[name];
      if (file.currentContext === name) delete file.currentContext;
      workspace.store.save(file);
      workspace.store.removeCredential(name);
      cli.note(`context ${name} deleted`);
    });

  return config;
}
