import type { Suite } from '../harness.js';
import { auditQuerySuite } from './audit-query.js';
import { brokerSuite } from './broker.js';
import { emulatorSuite } from './emulator.js';
import { grantDecisionsSuite } from './grant-decisions.js';
import { keygenSuite } from './keygen.js';
import { productionSuite } from './production.js';
import { readProfileSuite } from './read-profile.js';
import { secretCacheSuite } from './secret-cache.js';
import { soakSuite } from './soak.js';

/** Every suite, in run order (opt-in ones only when named). A new suite: add a file in this folder exporting a `Suite`, and list it here. */
export const suites: Suite[] = [
  emulatorSuite,
  brokerSuite,
  productionSuite,
  keygenSuite,
  auditQuerySuite,
  grantDecisionsSuite,
  secretCacheSuite,
  soakSuite,
  readProfileSuite,
];
