/**
 * The directions dependencies may take in src/ and migrations/ (run by `npm run depcheck`, and in CI).
 * Domains: auth, grants, secrets, rotation, leases, webhooks, audit (the writer), audit-query,
 * cluster, health, metrics, access. Shared rooms below every domain: crypto (keys, envelope encryption)
 * and lifecycle-events (the port domains announce events through). Shared plumbing: common,
 * config. The emulator and the dev CLI stand apart.
 */
const DOMAINS = '^src/(auth|grants|secrets|audit|audit-query|cluster|health|metrics|rotation|leases|webhooks|access)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle between modules, even one a global Nest module hides, is a design error.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'plumbing-knows-no-domain',
      severity: 'error',
      comment: 'common/ and config/ are shared plumbing: they import no domain module.',
      from: { path: '^src/(common|config)/' },
      to: { path: DOMAINS },
    },
    {
      name: 'audit-writer-knows-no-domain',
      severity: 'error',
      comment:
        'The audit writer is used by every domain and imports none: ' +
        'only plumbing, metrics and the cluster gateway port (for checkpoints).',
      from: { path: '^src/audit/' },
      to: { path: '^src/(auth|grants|secrets|health|rotation|leases|webhooks|access|audit-query)/' },
    },
    {
      name: 'shared-rooms-know-no-domain',
      severity: 'error',
      comment: 'crypto/ and lifecycle-events/ serve every domain, so they import none.',
      from: { path: '^src/(crypto|lifecycle-events)/' },
      to: { path: DOMAINS },
    },
    {
      name: 'secrets-know-no-rotation',
      severity: 'error',
      comment:
        'Rotation drives secrets through the narrow write port secrets/ exports; secrets/ never calls back into rotation/.',
      from: { path: '^src/secrets/' },
      to: { path: '^src/rotation/' },
    },
    {
      name: 'migrations-import-pure-functions',
      severity: 'error',
      comment:
        'A migration runs once, forever, against whatever the code is then: it imports TypeORM, node and pure ' +
        'functions, never a Nest service, module, store or entity.',
      from: { path: '^migrations/' },
      to: {
        path: [
          '^src/.*[.](service|module|store|controller|resolver|gateway|entity)[.]ts$',
          '^src/.*/(api|entities)/',
          '(^|/)node_modules/@nestjs/',
        ],
      },
    },
    {
      name: 'cluster-knows-no-domain',
      severity: 'error',
      comment: "The cluster gateway speaks Kubernetes in the broker's terms and knows no domain.",
      from: { path: '^src/cluster/' },
      to: { path: '^src/(auth|grants|secrets|audit|health|rotation|leases|webhooks|access)/' },
    },
    {
      name: 'grants-below-secrets-and-auth',
      severity: 'error',
      comment: 'Grants decide; they do not know what is being protected or how callers authenticate.',
      from: { path: '^src/grants/' },
      to: { path: '^src/(auth|secrets|audit-query|rotation|leases|webhooks|access)/' },
    },
    {
      name: 'webhooks-know-no-secrets',
      severity: 'error',
      comment:
        'Lifecycle events are written by secrets (and leases, rotation) through a port; delivery knows none of them.',
      from: { path: '^src/webhooks/' },
      to: { path: '^src/(secrets|rotation|leases|access)/' },
    },
    {
      name: 'typeorm-only-in-stores',
      severity: 'error',
      comment:
        'Repositories and the DataSource are injected into *.store.ts files (and wired in modules); services ' +
        'call stores. The files listed in pathNot still inject them directly and are to move behind stores.',
      from: {
        path: '^src/',
        pathNot: [
          '[.]store[.]ts$',
          '[.]module[.]ts$',
          '^src/grants/(grant-cache|grants[.]service|bootstrap-admins[.]service|roles[.]service|grant-changes)[.]ts$',
          '^src/audit/audit[.]service[.]ts$',
          '^src/secrets/(kek-rewrap[.]service|secret-version-keys)[.]ts$',
          '^src/audit-query/audit-query[.]service[.]ts$',
          '^src/webhooks/(signing-secrets|outbox-dispatcher|webhook-sender|webhooks[.]service|signing-secret-keys)[.]ts$',
        ],
      },
      to: { path: '(^|/)node_modules/@nestjs/typeorm/' },
    },
    {
      name: 'services-do-not-import-transports',
      severity: 'error',
      comment: 'Controllers and resolvers (api/) call services, never the other way round.',
      from: { path: '^src/', pathNot: ['/api/', '\\.module\\.ts$'] },
      to: { path: '/api/' },
    },
    {
      name: 'emulator-stands-alone',
      severity: 'error',
      comment: 'The Kubernetes API emulator is a separate server: it imports nothing of the broker.',
      from: { path: '^src/emulator/' },
      to: { path: '^src/', pathNot: '^src/emulator/' },
    },
    {
      name: 'broker-does-not-use-the-emulator',
      severity: 'error',
      comment: 'Only the dev CLI starts the emulator; the broker reaches any cluster through the gateway.',
      from: { path: '^src/', pathNot: '^src/(emulator|cli)/' },
      to: { path: '^src/emulator/' },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^(src|migrations)/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
