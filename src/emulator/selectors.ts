import { errors } from './errors.js';
import type { KObject } from './types.js';

type Operator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!';
interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

export type Matcher = (obj: KObject) => boolean;

const matchAll: Matcher = () => true;

/** Splits on commas outside parentheses, as labels.Parse does. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t.length > 0);
}

function parseRequirement(term: string): Requirement {
  const set = /^([^\s!=(),]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  if (set) {
    const values = set[3]
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v.length > 0);
    return { key: set[1], op: set[2] as Operator, values };
  }
  const cmp = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(term);
  if (cmp) return { key: cmp[1], op: cmp[2] === '!=' ? '!=' : '=', values: [cmp[3]] };
  const exists = /^(!?)\s*([^\s!=(),]+)$/.exec(term);
  if (exists) return { key: exists[2], op: exists[1] ? '!' : 'exists', values: [] };
  throw errors.badRequest(
    `unable to parse requirement: found '${term}', expected: identifier, '=', '!=', 'in', 'notin'`,
  );
}

function test(req: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  switch (req.op) {
    case '=':
      return has && value === req.values[0];
    case '!=':
      return !has || value !== req.values[0];
    case 'in':
      return has && req.values.includes(value);
    case 'notin':
      return !has || !req.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
  }
}

export function parseLabelSelector(text: string | null): Matcher {
  if (!text) return matchAll;
  const reqs = splitTerms(text).map(parseRequirement);
  return (obj) => reqs.every((r) => test(r, obj.metadata.labels ?? {}));
}

/** Field selectors: metadata.name and metadata.namespace everywhere, plus the fields a resource adds. */
export function parseFieldSelector(
  text: string | null,
  extraFields: Record<string, (obj: KObject) => string>,
): Matcher {
  if (!text) return matchAll;
  const fields: Record<string, (obj: KObject) => string> = {
    'metadata.name': (o) => o.metadata.name ?? '',
    'metadata.namespace': (o) => o.metadata.namespace ?? '',
    ...extraFields,
  };
  const tests = splitTerms(text).map((term) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const [, field, op, value] = m;
    const get = fields[field.trim()];
    if (!get) throw errors.badRequest(`field label not supported: ${field.trim()}`);
    return (obj: KObject) => (get(obj) === value) === (op !== '!=');
  });
  return (obj) => tests.every((t) => t(obj));
}
