import type { OpenAPIObject } from '@nestjs/swagger';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/common/http/api-contracts.js';
import { createNamespace } from '../factories/index.js';
import { createServiceAccount } from '../factories/leases.js';
import { type SampleSchema, swaggerSample } from '../support/swagger-sample.js';
import { useBroker } from '../support/use-broker.js';

const METHODS = ['post', 'put', 'patch', 'delete'] as const;
// Made up by the sample, a webhook URL would be one the broker might call: it stays on loopback here.
const LOOPBACK_WEBHOOK = 'https://127.0.0.1:9/broker';
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

interface Sampled {
  readonly method: (typeof METHODS)[number];
  readonly template: string;
  readonly body: unknown;
}

/** What "Try it out" sends to every body-taking operation, in the document's order. */
function trySamples(document: OpenAPIObject): Sampled[] {
  return Object.entries(document.paths).flatMap(([template, item]) =>
    METHODS.flatMap((method) => {
      const body = item[method]?.requestBody;
      const media = body && 'content' in body ? body.content['application/json'] : undefined;
      if (!media) return [];
      const sample = media.example ?? swaggerSample(media.schema as SampleSchema);
      return [{ method, template, body: sample }];
    }),
  );
}

describe('"Try it out" in /docs', () => {
  // The example webhook URL stays on loopback, which production allows only when allow-listed.
  const broker = useBroker({ WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8' });

  // In the document's order: the secret the create example makes is the one the later examples change.
  it('pre-fills every request body with one the broker accepts', async () => {
    const namespace = await createNamespace(broker);
    await createServiceAccount(broker.emulator, namespace, 'app-web');
    const samples = trySamples(buildOpenApiDocument(broker.app));
    expect(samples.length).toBeGreaterThan(8);
    const refused: string[] = [];
    for (const { method, template, body } of samples) {
      const sent = template === '/v1/webhooks' ? { ...(body as object), url: LOOPBACK_WEBHOOK } : body;
      const path = template
        .replace('{namespace}', namespace)
        .replace(/serviceaccounts\/\{name\}/, 'serviceaccounts/app-web')
        .replace('{name}', template.startsWith('/v1/access-policies') ? 'team-a-db-readers' : 'db-main')
        .replace('{id}', NO_SUCH_ID);
      // An access request is asked by the policy's requester, as the example names her.
      const caller = template === '/v1/access-requests' ? 'alice' : 'admin';
      const response = await broker
        .as(caller)
        [method](path)
        .send(sent as object);
      // On an id nobody has, a body the broker accepts gets as far as the lookup: 404.
      const accepted = response.status < 400 || (template.includes('{id}') && response.status === 404);
      if (!accepted) {
        refused.push(
          `${method.toUpperCase()} ${template} ${JSON.stringify(sent)} → ${response.status} ${response.text}`,
        );
      }
    }
    expect(refused).toEqual([]);
  });
});
