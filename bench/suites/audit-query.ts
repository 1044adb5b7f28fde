import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import jwt from 'jsonwebtoken';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { type Suite, type SuiteReport, STATS_COLUMNS, statsRow, summarize, time } from '../harness.js';
import { createBenchDatabase, withClient } from '../support/databases.js';
import { startBuiltBroker } from '../support/processes.js';

const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
const QUERIES_PER_KIND = 60;
const SIGNING_SECRET = randomBytes(32).toString('base64url');
const MAIN = resolve(import.meta.dirname, '../../../src/main.js');
const NAMESPACES = 50;
const SUBJECTS = 1_000;
const NAMES = 200;

const token = (sub: string) => jwt.sign({ sub }, SIGNING_SECRET, { algorithm: 'HS256', expiresIn: '2h' });

/**
 * Fills audit_events with EVENTS rows shaped like real traffic (one SQL statement, server side):
 * subjects, namespaces and names spread evenly, the outcome mix of a busy broker, one event a
 * second going back in time. The hashes are not a valid chain: this measures queries, not verify.
 */
async function fill(url: string): Promise<void> {
  await withClient(url, (client) =>
    client.query(
      `INSERT INTO audit_events (id, time, request_id, subject, action, outcome, namespace, name, version,
         matched_grants, reason, source_ip, user_agent, latency_ms, intent_id, details, prev_hash, hash)
       SELECT n, now() - make_interval(secs => $1 - n), 'bench-' || n, 'user:app-' || (n % ${SUBJECTS}),
         (ARRAY['read','list','rotate','update','create'])[1 + n % 5],
         (ARRAY['allowed','allowed','allowed','succeeded','denied','failed'])[1 + n % 6],
         'ns-' || (n % ${NAMESPACES}), 'secret-' || (n % ${NAMES}), NULL, '[]', 'allowed by 1 grant(s)',
         '10.0.0.' || (n % 250), 'bench', 1.5, NULL, NULL, repeat('0', 64), repeat('0', 64)
       FROM generate_series(1, $1) AS n`,
      [EVENTS],
    ),
  );
  await withClient(url, (client) => client.query('ANALYZE audit_events'));
}

export const auditQuerySuite: Suite = {
  name: 'audit-query',
  title: 'Audit queries over 1,000,000 events (PostgreSQL)',
  description: `GET /v1/audit-events on the built broker (its own process) over a PostgreSQL table of ${EVENTS.toLocaleString('en')} events, sequential requests through the real API (authorisation and the listing's own audit event included), ${QUERIES_PER_KIND} requests per kind of query, kinds interleaved. Target: p99 under 50 ms.`,
  async run(): Promise<SuiteReport> {
    const emulator = await KubernetesEmulator.start();
    const directory = mkdtempSync(join(tmpdir(), 'audit-bench-'));
    const database = await createBenchDatabase('postgres');
    const kubeconfig = join(directory, 'kubeconfig.json');
    await emulator.writeKubeconfig(kubeconfig);
    const { child: broker, url } = await startBuiltBroker(MAIN, {
      DATABASE_URL: database.url,
      KUBECONFIG: kubeconfig,
      JWT_HS256_SECRET: SIGNING_SECRET,
      BOOTSTRAP_ADMINS: 'user:auditor',
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    try {
      await fill(database.url);
      const admin = token('auditor');
      // A narrower auditor: audit:read on one namespace and a name pattern.
      await fetch(`${url}/v1/grants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          subject: 'user:team-auditor',
          role: 'auditor',
          namespace: 'ns-7',
          namePattern: 'secret-1*',
        }),
      });
      const scoped = token('team-auditor');
      const get = async (query: string, bearer = admin) => {
        const response = await fetch(`${url}/v1/audit-events?${query}`, {
          headers: { authorization: `Bearer ${bearer}` },
        });
        if (response.status !== 200) throw new Error(`${query}: ${response.status} ${await response.text()}`);
        return (await response.json()) as { continue: string | null };
      };
      const second = await get('limit=100');
      const kinds: Array<[string, (i: number) => Promise<unknown>]> = [
        ['newest page (limit=100)', () => get('limit=100')],
        ['second page (continue)', () => get(`limit=100&continue=${encodeURIComponent(second.continue ?? '')}`)],
        ['by subject', (i) => get(`subject=user:app-${i % SUBJECTS}`)],
        ['by namespace and name', (i) => get(`namespace=ns-${i % NAMESPACES}&name=secret-${i % NAMES}`)],
        ['by outcome (denied)', () => get('outcome=denied')],
        ['by verb and outcome', () => get('verb=rotate&outcome=succeeded')],
        ['last hour', () => get(`since=${new Date(Date.now() - 3_600_000).toISOString()}`)],
        [
          'a day, a month ago',
          () =>
            get(
              `since=${new Date(Date.now() - 31 * 86_400_000).toISOString()}&until=${new Date(Date.now() - 30 * 86_400_000).toISOString()}`,
            ),
        ],
        ['scoped auditor (one namespace, name pattern)', () => get('limit=100', scoped)],
      ];
      const samples = kinds.map(() => [] as number[]);
      for (let i = 0; i < QUERIES_PER_KIND; i++) {
        for (const [k, [, query]] of kinds.entries()) samples[k].push(await time(() => query(i)));
      }
      const all = summarize(samples.flat());
      return {
        tables: [
          {
            title: `GET /v1/audit-events latency, ${EVENTS.toLocaleString('en')} events`,
            columns: STATS_COLUMNS,
            rows: kinds.map(([label], k) => statsRow(label, summarize(samples[k]))),
          },
          {
            title: 'All queries together',
            columns: STATS_COLUMNS,
            rows: [statsRow(`every kind (target p99 < 50 ms)`, all)],
          },
        ],
        notes: [
          'Latency is measured at the client (fetch over keep-alive), so it includes JWT verification, the listing decision and its audit event, the query and JSON encoding.',
          'The filters use the indexes of the create-audit-events migration ((namespace, name, id), (subject, id), (action, id), (outcome, id), (time)).',
        ],
      };
    } finally {
      await broker.stop();
      await emulator.stop();
      await database.drop();
      rmSync(directory, { recursive: true, force: true });
    }
  },
};
