/* eslint-disable no-console -- a CLI whose output is its console */
// Prints "N passed, N failed" summed over vitest JSON reports; exits 1 if any failed, none ran,
// or a report is missing (a run that crashed before writing it).
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let missing = false;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`missing test report: ${file}`);
    missing = true;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numFailedTestSuites ?? 0);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(missing || failed > 0 || passed === 0 ? 1 : 0);
