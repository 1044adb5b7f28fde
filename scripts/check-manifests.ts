// `npm run deploy:check`: every overlay builds with kubectl kustomize and every object it yields
// is valid against the Kubernetes schemas. Exits non-zero on the first overlay with problems.
import { OVERLAYS, renderOverlay, validateObjects } from './manifests.js';

let failed = false;
for (const overlay of OVERLAYS) {
  const objects = renderOverlay(overlay);
  const problems = validateObjects(objects);
  for (const problem of problems) console.error(`${overlay}: ${problem}`);
  console.log(`${overlay}: ${objects.length} objects, ${problems.length} problems`);
  failed ||= problems.length > 0 || objects.length === 0;
}
process.exit(failed ? 1 : 0);
