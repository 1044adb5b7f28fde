import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { DataSource, In } from 'typeorm';
import type { Actor } from '../../src/common/actor.js';
import { databaseOptions } from '../../src/common/database/database-options.js';
import { databaseConfig, loadConfig } from '../../src/config/app-config.js';
import { ENTITIES } from '../../src/entities.js';
import type { AccessRequest } from '../../src/grants/decision.js';
import { GrantEntity } from '../../src/grants/entities/grant.entity.js';
import { RoleEntity } from '../../src/grants/entities/role.entity.js';
import { GrantCache } from '../../src/grants/grant-cache.js';
import { toEffectiveGrant } from '../../src/grants/grant-index.js';
import { PolicyService } from '../../src/grants/policy.service.js';
import { type Suite, type SuiteReport, currentRssMiB, interleave, mib, ratio, summarize } from '../harness.js';
import { Clock } from '../../src/common/time/clock.js';
import { createBenchDatabase, type BenchDatabase } from '../support/databases.js';

const SIZES = [100, 100_000] as const;
/** Decisions per timed batch (one decision takes about a microsecond: too short to time alone). */
const BATCH = 2_000;
const BATCHES = 200;
const WARMUP_BATCHES = 20;
const DATABASE_LOOKUPS = 300;
const INSERT_CHUNK = 500;
const CALLER = 'user:bench-caller';
const CALLER_GROUPS = ['group:bench-team', 'group:bench-oncall'];
const ROLES = ['reader', 'rotator', 'editor', 'auditor'];
const REQUEST: AccessRequest = { kind: 'target', verbs: ['read'], target: { namespace: 'team-0', name: 'db-main' } };

/** The caller's own grants: a handful, on it and its groups. */
function callerGrants(): Array<Partial<GrantEntity>> {
  return [CALLER, CALLER, ...CALLER_GROUPS, CALLER].map((subject, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    subject,
    roleName: ROLES[i % ROLES.length],
    namespace: `team-${i}`,
    namePattern: i % 2 ? 'db-*' : '*',
    expiresAt: i === 4 ? new Date(Date.now() + 86_400_000) : null,
    reason: null,
    createdBy: 'user:bench-admin',
  }));
}

/** Everyone else's: `count` grants over count/4 subjects and 50 groups. */
function otherGrants(count: number): Array<Partial<GrantEntity>> {
  return Array.from({ length: count }, (_, i) => ({
    id: `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    subject: i % 10 === 0 ? `group:team-${i % 50}` : `user:u-${Math.floor(i / 4)}`,
    roleName: ROLES[i % ROLES.length],
    namespace: `team-${i % 40}`,
    namePattern: i % 3 ? '*' : `app-${i % 7}-*`,
    expiresAt: null,
    reason: null,
    createdBy: 'user:bench-admin',
  }));
}

interface Fixture {
  readonly total: number;
  readonly database: BenchDatabase;
  readonly dataSource: DataSource;
  readonly cache: GrantCache;
  readonly policy: PolicyService;
  readonly loadMs: number;
  readonly rssGrowthMiB: number;
}

async function fixture(others: number): Promise<Fixture> {
  const database = await createBenchDatabase('sqlite');
  const dataSource = await new DataSource(databaseOptions(databaseConfig(database.url), ENTITIES)).initialize();
  const rows = [...callerGrants(), ...otherGrants(others)];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await dataSource.getRepository(GrantEntity).insert(rows.slice(i, i + INSERT_CHUNK));
  }
  const cache = new GrantCache(dataSource, pino({ level: 'silent' }));
  const rssBefore = currentRssMiB();
  const started = performance.now();
  await cache.reload();
  const loadMs = performance.now() - started;
  const rssGrowthMiB = currentRssMiB() - rssBefore;
  const policy = new PolicyService(
    cache,
    {
      managedNamespaces: undefined,
      auditCheckpoint: { intervalSeconds: 60, namespace: 'secrets-broker', file: undefined },
      exposure: loadConfig({ JWT_HS256_SECRET: 'x'.repeat(32), ENCRYPTION_KEY: randomBytes(32).toString('base64') })
        .exposure,
    },
    { record: () => Promise.reject(new Error('not recorded in this benchmark')) },
    { countDecision: () => undefined },
    new Clock(),
  );
  return { total: rows.length, database, dataSource, cache, policy, loadMs, rssGrowthMiB };
}

/** A new Actor per decision, as each request has (PolicyService memoises per Actor). */
function actor(i: number): Actor {
  return {
    subject: CALLER,
    subjects: [CALLER, ...CALLER_GROUPS],
    request: { requestId: `bench-${i}`, sourceIp: '127.0.0.1', userAgent: undefined },
  };
}

/** `BATCH` decisions as a request takes them: the caller's grants from the cache, then the decision. */
async function decideBatch(policy: PolicyService, batch: number): Promise<void> {
  let allowed = 0;
  for (let i = 0; i < BATCH; i++) {
    const grants = await policy.effectiveGrants(actor(batch * BATCH + i));
    if (policy.evaluate(grants, REQUEST).allowed) allowed++;
  }
  if (allowed !== BATCH) throw new Error(`expected every decision to allow, ${allowed} of ${BATCH} did`);
}

/** The path this replaced, for reference: the caller's grants, then their roles, from the database. */
async function databaseLookup(dataSource: DataSource): Promise<void> {
  const rows = await dataSource.getRepository(GrantEntity).find({ where: { subject: In([CALLER, ...CALLER_GROUPS]) } });
  const roles = await dataSource
    .getRepository(RoleEntity)
    .findBy({ name: In([...new Set(rows.map((row) => row.roleName))]) });
  const byName = new Map(roles.map((role) => [role.name, role]));
  rows.map((row) => toEffectiveGrant(row, byName.get(row.roleName)));
}

const microseconds = (ms: number): string => `${(ms * 1000).toFixed(2)} µs`;

async function run(): Promise<SuiteReport> {
  const fixtures: Fixture[] = [];
  try {
    for (const size of SIZES) fixtures.push(await fixture(size - callerGrants().length));
    const [small, large] = fixtures;
    const held = small.policy.grantsOfSubjects(actor(0).subjects).length;
    if (large.policy.grantsOfSubjects(actor(0).subjects).length !== held) throw new Error('fixtures differ');

    const batches = await interleave(
      BATCHES,
      fixtures.map((f) => (batch: number) => decideBatch(f.policy, batch)),
      WARMUP_BATCHES,
    );
    const perDecision = batches.map((samples) => summarize(samples.map((ms) => ms / BATCH)));
    const lookups = await interleave(
      DATABASE_LOOKUPS,
      fixtures.map((f) => () => databaseLookup(f.dataSource)),
      20,
    );
    const perLookup = lookups.map(summarize);

    const cost = (i: number) => perDecision[i].p50;
    return {
      tables: [
        {
          title: `One decision for a caller holding ${held} grants (effectiveGrants + evaluate), by grants in the cache`,
          columns: ['grants in the cache', 'p50', 'p95', 'p99', 'min', 'full load of the cache', 'RSS growth at load'],
          rows: fixtures.map((f, i) => [
            f.total.toLocaleString('en-US'),
            microseconds(perDecision[i].p50),
            microseconds(perDecision[i].p95),
            microseconds(perDecision[i].p99),
            microseconds(perDecision[i].min),
            `${f.loadMs.toFixed(0)} ms`,
            mib(f.rssGrowthMiB),
          ]),
        },
        {
          title: 'Ratios (measured side by side in this run; medians)',
          columns: ['ratio', 'value'],
          rows: [
            ['decision at 100,000 grants / at 100 grants (target: ≤ 1.20×)', ratio(cost(1) / cost(0))],
            [
              'previous path (two database queries) / from memory, at 100,000 grants',
              ratio(perLookup[1].p50 / cost(1)),
            ],
          ],
        },
        {
          title: `For reference: the previous path, the caller's grants and roles read from SQLite per request`,
          columns: ['grants in the table', 'p50', 'p95', 'p99'],
          rows: fixtures.map((f, i) => [
            f.total.toLocaleString('en-US'),
            microseconds(perLookup[i].p50),
            microseconds(perLookup[i].p95),
            microseconds(perLookup[i].p99),
          ]),
        },
      ],
      notes: [
        `Each sample times a batch of ${BATCH.toLocaleString('en-US')} decisions, the two cache sizes alternating (${BATCHES} batches each after ${WARMUP_BATCHES} warm-up batches); the per-decision figures are batch time / ${BATCH}. Each decision uses a new Actor, as each request does.`,
        `The caller holds ${held} grants (on itself and two groups); the other grants belong to about a quarter as many users and 50 groups. The decision asks for read on one secret and is allowed.`,
        'In process: no HTTP, no token verification, no audit write (a route decision is recorded by the service, which this does not include).',
        'The full load (one snapshot read of roles and grants from SQLite, then indexing) is what a replica pays at start, and again only when it finds it missed a change (a version gap or mismatch): another replica’s change is normally caught up on by reading just the rows it touched. RSS growth at load is indicative only (garbage collection may or may not have run).',
      ],
    };
  } finally {
    for (const f of fixtures) {
      await f.dataSource.destroy();
      await f.database.drop();
    }
  }
}

export const grantDecisionsSuite: Suite = {
  name: 'grant-decisions',
  title: 'Authorization decisions from memory (`src/grants/grant-cache.ts`)',
  description:
    'The cost of one authorization decision (`PolicyService.effectiveGrants` + `evaluate`) for a caller with a handful of grants, with 100 and with 100,000 grants in the in-memory cache, measured side by side in one process; and the full load of the cache at each size.',
  run,
};
