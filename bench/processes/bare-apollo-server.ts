/**
 * Apollo Server's own cost per request, with nothing of the broker around it: Fastify with
 * `@apollo/server` mounted as @nestjs/apollo mounts it (the Fastify integration's handler and
 * drain plugin, the versions the broker runs, the production options the broker sets that change
 * the request pipeline), a one-field schema answering `{ __typename }`. Over https when given certificate and key files as arguments. Prints its
 * port, then serves until killed.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify from 'fastify';

const [certFile, keyFile] = process.argv.slice(2);
const app = Fastify({
  keepAliveTimeout: 60_000,
  ...(certFile && keyFile ? { https: { cert: readFileSync(certFile), key: readFileSync(keyFile) } } : {}),
});
const apollo = new ApolloServer({
  typeDefs: 'type Query { status: String }',
  resolvers: { Query: { status: () => 'ok' } },
  csrfPrevention: true,
  introspection: false,
  includeStacktraceInErrorResponses: false,
  plugins: [
    ApolloServerPluginLandingPageDisabled(),
    ApolloServerPluginCacheControlDisabled(),
    ApolloServerPluginInlineTraceDisabled(),
    ApolloServerPluginUsageReportingDisabled(),
    fastifyApolloDrainPlugin(app),
  ],
});
await apollo.start();
app.route({ url: '/graphql', method: ['GET', 'POST', 'OPTIONS'], handler: fastifyApolloHandler(apollo) });
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as AddressInfo).port })}\n`);
