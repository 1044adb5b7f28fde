/**
 * A Kubernetes label selector (`app=web,tier!=db,env in (a,b),!legacy`), parsed once, so the
 * secret cache can tell whether an object it wrote is one its watch will keep current.
 */
export type LabelMatcher = (labels: Readonly<Record<string, string>>) => boolean;

const KEY = String.raw`(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?`;
const VALUE = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const EXISTS = new RegExp(String.raw`^(?<negated>!?)\s*(?<key>${KEY})$`);
const EQUALITY = new RegExp(String.raw`^(?<key>${KEY})\s*(?<operator>==|=|!=)\s*(?<value>${VALUE})$`);
const SET = new RegExp(String.raw`^(?<key>${KEY})\s+(?<operator>in|notin)\s*\((?<values>[^()]*)\)$`);
const VALUE_ONLY = new RegExp(`^${VALUE}$`);

/** Throws on a selector the API server would refuse, naming the requirement. */
export function parseLabelSelector(selector: string): LabelMatcher {
  const requirements = splitRequirements(selector).map(parseRequirement);
  return (labels) => requirements.every((requirement) => requirement(labels));
}

function parseRequirement(text: string): LabelMatcher {
  const exists = EXISTS.exec(text)?.groups;
  if (exists) {
    const { negated, key } = exists;
    return negated ? (labels) => !Object.hasOwn(labels, key) : (labels) => Object.hasOwn(labels, key);
  }
  const equality = EQUALITY.exec(text)?.groups;
  if (equality) {
    const { key, operator, value } = equality;
    return operator === '!='
      ? (labels) => !Object.hasOwn(labels, key) || labels[key] !== value
      : (labels) => Object.hasOwn(labels, key) && labels[key] === value;
  }
  const set = SET.exec(text)?.groups;
  if (set) {
    const { key, operator } = set;
    const values = new Set(set.values.split(',').map((value) => value.trim()));
    if (![...values].every((value) => VALUE_ONLY.test(value))) throw invalid(text);
    return operator === 'in'
      ? (labels) => Object.hasOwn(labels, key) && values.has(labels[key])
      : (labels) => !Object.hasOwn(labels, key) || !values.has(labels[key]);
  }
  throw invalid(text);
}

/** Requirements are separated by commas outside parentheses. */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of selector) {
    if (character === '(') depth++;
    if (character === ')') depth--;
    if (character === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += character;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function invalid(requirement: string): Error {
  return new Error(`Invalid label selector requirement: ${requirement}`);
}
