import { RequestMethod } from '@nestjs/common';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_PUBLIC, REQUIRED_VERB } from '../../src/common/http/route-decorators.js';
import { startBroker, type TestBroker } from '../support/broker.js';

/**
 * The permission snapshot: every REST route and GraphQL operation with what it requires. A change
 * of who may call what shows up as a diff of the snapshot file, to be reviewed as such.
 */
describe('permission declarations', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('declares a requirement for every route and operation', async () => {
    const modules = [...broker.app.get(ModulesContainer).values()];
    const scanner = new MetadataScanner();
    const reflector = broker.app.get(Reflector);
    const rows: string[] = [];
    const requirementOf = (handler: object, type: object) => {
      const targets = [handler, type] as Array<() => void>;
      if (reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return 'public';
      return reflector.getAllAndOverride<string>(REQUIRED_VERB, targets) ?? 'MISSING';
    };

    for (const wrapper of modules.flatMap((module) => [...module.controllers.values()])) {
      const type = wrapper.metatype as object;
      const prefix = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
      for (const method of scanner.getAllMethodNames((type as { prototype: object }).prototype)) {
        const handler = (type as { prototype: Record<string, object> }).prototype[method];
        const path = Reflect.getMetadata(PATH_METADATA, handler);
        if (path === undefined) continue;
        const verb = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const full = `/${[prefix, path].filter((part) => part && part !== '/').join('/')}`;
        rows.push(`REST ${verb} ${full}: ${requirementOf(handler, type)}`);
      }
    }
    for (const wrapper of modules.flatMap((module) => [...module.providers.values()])) {
      const type = wrapper.metatype as { prototype?: object } | undefined;
      if (!type?.prototype) continue;
      for (const method of scanner.getAllMethodNames(type.prototype)) {
        const handler = (type.prototype as Record<string, object>)[method];
        const kind = Reflect.getMetadata('graphql:resolver_type', handler);
        if (kind !== 'Query' && kind !== 'Mutation') continue;
        const name = Reflect.getMetadata('graphql:resolver_name', handler) ?? method;
        rows.push(`GraphQL ${kind} ${name}: ${requirementOf(handler, type)}`);
      }
    }
    rows.sort();
    expect(rows.filter((row) => row.endsWith('MISSING'))).toEqual([]);
    await expect(rows.join('\n') + '\n').toMatchFileSnapshot('./__snapshots__/permissions.txt');
  });
});
