import type { Broker } from './broker.js';

/** The current value of one series on `/metrics` (`name` or `name{labels}` as exposed), 0 when absent. */
export async function metricValue(broker: Broker, series: string): Promise<number> {
  const text = (await broker.http().get('/metrics').expect(200)).text;
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
