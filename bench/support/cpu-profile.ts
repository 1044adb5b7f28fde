import { readFileSync } from 'node:fs';

/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) that a self-time summary needs. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  readonly name: string;
  /** Share of the busy samples (idle excluded) in the window. */
  readonly share: number;
}

export interface ProfileSummary {
  /** Busy samples in the window (about one per millisecond of CPU). */
  readonly busySamples: number;
  readonly idleShare: number;
  readonly byArea: SelfTime[];
  readonly byFunction: SelfTime[];
}

/**
 * Where a function lives: the npm package, the broker's own room (`src/audit`…), a Node core
 * module, or V8 itself (the garbage collector, compiled code not attributed to a function).
 */
export function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName === '(garbage collector)' ? 'V8: garbage collector' : `V8: ${functionName}`;
  const inPackage = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (inPackage) return inPackage[1];
  const inBroker = /\/dist\/src\/([^/]+)/.exec(url);
  if (inBroker) return `broker: src/${inBroker[1].replace(/\.js$/, '')}`;
  if (url.startsWith('node:'))
    return `node: ${
      url
        .slice(5)
        .replace(/^internal\//, '')
        .split('/')[0]
    }`;
  return url;
}

function locationOf(url: string, line: number): string {
  const inPackage = /\/node_modules\/((?:@[^/]+\/)?[^/]+\/.*)$/.exec(url);
  const inBroker = /\/dist\/(src\/.*)$/.exec(url);
  const path = inPackage?.[1] ?? inBroker?.[1] ?? url;
  return path === '' ? '' : `${path}:${line + 1}`;
}

/**
 * Self time per area and per function of the samples taken between `fromUs` and `toUs` (the
 * profiled process's monotonic clock in microseconds, the clock of `process.hrtime`).
 */
export function summarizeProfile(file: string, fromUs: number, toUs: number, top: number): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let at = profile.startTime;
  let busy = 0;
  let idle = 0;
  for (const [index, id] of profile.samples.entries()) {
    at += profile.timeDeltas[index];
    if (at < fromUs || at > toUs) continue;
    const frame = frames.get(id);
    if (!frame) continue;
    if (frame.functionName === '(idle)') {
      idle++;
      continue;
    }
    busy++;
    const area = areaOf(frame.url, frame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + 1);
    const name = `\`${frame.functionName || '(anonymous)'}\` ${locationOf(frame.url, frame.lineNumber)}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
  }
  const ranked = (counts: Map<string, number>) =>
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, count]) => ({ name, share: count / Math.max(1, busy) }));
  return {
    busySamples: busy,
    idleShare: idle / Math.max(1, busy + idle),
    byArea: ranked(byArea),
    byFunction: ranked(byFunction),
  };
}
