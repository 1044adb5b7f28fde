import { RequestMethod, type INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { IS_PUBLIC, REQUIRED_VERB } from '../../src/common/http/route-decorators.js';

/**
 * GraphQL field resolvers with the verb their service checks on each parent. Guards do not run on
 * field resolvers (no `fieldResolverEnhancers`), so a `@RequireVerb` there would declare nothing
 * enforced: the service decides. Each entry is proven by an e2e attack (secrets-graphql: a caller
 * without `list` on the secret is refused the field); a field resolver missing here is MISSING.
 */
export const SERVICE_DECIDED_FIELDS: Readonly<Record<string, string>> = {
  'Secret.consumers': 'list',
  'Secret.versions': 'list',
};

type Handler = () => void;
interface ClassType {
  readonly prototype: Record<string, Handler>;
}

/**
 * One line per REST route, GraphQL root operation and GraphQL field resolver of `app`, with what
 * it requires (`public`, `authenticated`, a verb, or `MISSING`), sorted.
 */
export function collectPermissionDeclarations(app: INestApplication): string[] {
  const modules = [...app.get(ModulesContainer).values()];
  const scanner = new MetadataScanner();
  const reflector = app.get(Reflector);
  const requirementOf = (handler: Handler, type: ClassType) => {
    const targets = [handler, type as unknown as Handler];
    if (reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return 'public';
    return reflector.getAllAndOverride<string>(REQUIRED_VERB, targets) ?? 'MISSING';
  };
  const methodsOf = (type: ClassType) =>
    scanner.getAllMethodNames(type.prototype).map((method) => ({ method, handler: type.prototype[method] }));
  const rows: string[] = [];

  for (const wrapper of modules.flatMap((module) => [...module.controllers.values()])) {
    const type = wrapper.metatype as unknown as ClassType;
    const prefix = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
    for (const { handler } of methodsOf(type)) {
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const verb = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const full = `/${[prefix, path].filter((part) => part && part !== '/').join('/')}`;
      rows.push(`REST ${verb} ${full}: ${requirementOf(handler, type)}`);
    }
  }

  const fieldResolvers = new Set<string>();
  for (const wrapper of modules.flatMap((module) => [...module.providers.values()])) {
    const type = wrapper.metatype as unknown as ClassType | undefined;
    if (!type?.prototype) continue;
    for (const { method, handler } of methodsOf(type)) {
      const name = (Reflect.getMetadata('graphql:resolver_name', handler) as string | undefined) ?? method;
      const kind: unknown = Reflect.getMetadata('graphql:resolver_type', handler);
      if (kind === 'Query' || kind === 'Mutation' || kind === 'Subscription') {
        rows.push(`GraphQL ${kind} ${name}: ${requirementOf(handler, type)}`);
      } else if (Reflect.getMetadata('graphql:resolve_property', handler)) {
        const field = `${String(Reflect.getMetadata('graphql:resolver_type', type))}.${name}`;
        const verb = SERVICE_DECIDED_FIELDS[field];
        fieldResolvers.add(field);
        rows.push(`GraphQL Field ${field}: ${verb ? `decided by service (${verb})` : 'MISSING'}`);
      }
    }
  }
  for (const field of Object.keys(SERVICE_DECIDED_FIELDS).filter((name) => !fieldResolvers.has(name))) {
    rows.push(`GraphQL Field ${field}: STALE (no such field resolver)`);
  }
  return rows.sort();
}
