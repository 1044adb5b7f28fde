import { usageError } from './errors.js';
import { pair } from './values.js';

/** A value fetched from the broker, with where it came from. */
export interface FetchedValue {
  readonly secret: string;
  readonly key: string;
  readonly value: string;
}

export interface NamingRules {
  /** `KEY=ENV` or `SECRET/KEY=ENV`. */
  readonly map: readonly string[];
  readonly prefix?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The environment variables for fetched values: each key's name, or the name --map gives it,
 * after --prefix. Every name must be a valid variable name and appear once; every --map must
 * match a fetched key.
 */
export function environmentFor(values: readonly FetchedValue[], rules: NamingRules): Map<string, string> {
  const mappings = rules.map.map((entry) => pair(entry, '--map', 'KEY=ENV or SECRET/KEY=ENV'));
  const used = new Set<string>();
  const environment = new Map<string, string>();
  const origin = new Map<string, string>();
  for (const { secret, key, value } of values) {
    const mapping = mappings.find(([from]) => from === `${secret}/${key}`) ?? mappings.find(([from]) => from === key);
    if (mapping) used.add(mapping[0]);
    const name = `${rules.prefix ?? ''}${mapping ? mapping[1] : key}`;
    if (!ENV_NAME.test(name)) {
      throw usageError(
        `${secret}/${key} would be the environment variable ${JSON.stringify(name)}, which is not a valid name: rename it with --map ${key}=NAME`,
      );
    }
    const earlier = origin.get(name);
    if (earlier !== undefined)
      throw usageError(`${earlier} and ${secret}/${key} would both be ${name}: rename one with --map`);
    origin.set(name, `${secret}/${key}`);
    environment.set(name, value);
  }
  const unused = mappings.filter(([from]) => !used.has(from)).map(([from]) => from);
  if (unused.length) throw usageError(`--map names keys that were not fetched: ${unused.join(', ')}`);
  return environment;
}

/** The names already set in `current` that the values would replace. */
export function clashes(environment: ReadonlyMap<string, string>, current: NodeJS.ProcessEnv): string[] {
  return [...environment.keys()].filter((name) => current[name] !== undefined);
}

/**
 * KEY='value' lines that a POSIX shell (`set -a; . ./file`) and dotenv loaders both read back as
 * the same values: single quotes keep everything literal; a value holding a single quote is
 * double-quoted when nothing in it is special there.
 */
export function dotenv(environment: ReadonlyMap<string, string>): string {
  return [...environment]
    .map(([name, value]) => {
      if (!value.includes("'")) return `${name}='${value}'\n`;
      if (!/["\\$`\n]/.test(value)) return `${name}="${value}"\n`;
      throw usageError(`the value of ${name} holds both kinds of quotes or shell characters: use -o json`);
    })
    .join('');
}
