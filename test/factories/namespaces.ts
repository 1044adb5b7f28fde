import type { Broker } from '../support/broker.js';
import { kubeClients } from '../support/kube.js';
import { uniqueName } from './names.js';

/** A namespace in the broker's emulator; unique unless named. Returns its name. */
export async function createNamespace(broker: Broker, name = uniqueName('team')): Promise<string> {
  await kubeClients(broker.emulator).core.createNamespace({ body: { metadata: { name } } });
  return name;
}
