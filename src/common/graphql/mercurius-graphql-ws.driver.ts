import { Injectable } from '@nestjs/common';
import { GqlSubscriptionService, type SubscriptionConfig } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { GraphQLSchema } from 'graphql';

/** Mercurius's options, and graphql-ws's under `subscriptions` as Nest's Apollo driver takes them. */
export type MercuriusGraphqlWsConfig = MercuriusDriverConfig & { readonly subscriptions?: SubscriptionConfig };

/**
 * Nest's Mercurius driver (queries and mutations over HTTP, on Fastify's own routing, body
 * parsing and serialisation) with subscriptions served by graphql-ws on the same path, the way
 * Nest's Apollo driver serves them: the WebSocket side keeps its `connectionParams`
 * authentication, close codes and limits whichever engine runs HTTP.
 */
@Injectable()
export class MercuriusGraphqlWsDriver extends MercuriusDriver {
  private subscriptionService: GqlSubscriptionService | undefined;

  override async start(options: MercuriusGraphqlWsConfig): Promise<void> {
    // Mercurius has a subscription server of its own (`subscription`); `subscriptions` is Nest's graphql-ws one.
    const { subscriptions, ...mercuriusOptions } = options;
    await super.start(mercuriusOptions);
    if (!subscriptions) return;
    // Nest's GraphQL factory builds the schema before the driver starts.
    if (!(options.schema instanceof GraphQLSchema))
      throw new Error('GraphQL schema not built before the driver started');
    this.subscriptionService = new GqlSubscriptionService(
      { schema: options.schema, path: options.path, context: options.context, ...subscriptions },
      this.httpAdapterHost.httpAdapter.getHttpServer(),
    );
  }

  override async stop(): Promise<void> {
    await this.subscriptionService?.stop();
    await super.stop();
  }
}
