import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startContractApp } from '../scripts/contract-app.js';
import { collectPermissionDeclarations } from './support/permission-declarations.js';

/**
 * The permission snapshot: every REST route, GraphQL operation and field resolver with what it
 * requires. A diff of the snapshot file changes who may call what: review it as such.
 */
describe('permission declarations', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await startContractApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('declares a requirement for every route, operation and field resolver', async () => {
    const rows = collectPermissionDeclarations(app);
    expect(rows.filter((row) => /: (MISSING|STALE)/.test(row))).toEqual([]);
    await expect(rows.join('\n') + '\n').toMatchFileSnapshot('./__snapshots__/permissions.txt');
  });
});
