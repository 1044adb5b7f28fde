import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { Kubectl } from './support.js';

/** The older and newer kubectl builds installed beside /usr/bin/kubectl (which dispatches to 1.32 for this server). */
const VERSIONS = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33']
  .map((v) => ({ v, binary: `/usr/lib/google-cloud-sdk/bin/kubectl.${v}` }))
  .filter(({ binary }) => existsSync(binary));

describe.each(VERSIONS)('kubectl $v', ({ v, binary }) => {
  let emulator: KubernetesEmulator;
  let kubectl: Kubectl;
  const name = `s-${v.replace('.', '-')}`;

  beforeAll(async () => {
    emulator = await KubernetesEmulator.start();
    kubectl = await Kubectl.create(emulator, { binary });
  });

  afterAll(async () => {
    await kubectl.dispose();
    await emulator.stop();
  });

  it('creates, labels, selects, patches, replaces and deletes a secret; issues a token; restarts a deployment', async () => {
    expect(await kubectl.ok(['create', 'secret', 'generic', name, '--from-literal=a=b'])).toBe(
      `secret/${name} created\n`,
    );
    await kubectl.ok(['label', 'secret', name, 'v=x']);
    expect(await kubectl.ok(['get', 'secrets', '-l', 'v=x', '-o', 'name'])).toBe(`secret/${name}\n`);
    expect(await kubectl.ok(['get', 'secrets'])).toMatch(new RegExp(`${name}\\s+Opaque\\s+1\\s+\\d+s`));
    await kubectl.ok(['patch', 'secret', name, '-p', '{"stringData":{"c":"d"}}']);
    const current = await kubectl.ok(['get', 'secret', name, '-o', 'json']);
    // Before 1.29 kubectl validates against /openapi/v2 (protobuf), which the emulator does not serve.
    const validate = Number(v.split('.')[1]) < 29 ? ['--validate=false'] : [];
    expect(await kubectl.ok(['replace', ...validate], current)).toBe(`secret/${name} replaced\n`);
    await kubectl.ok(['create', 'serviceaccount', 'robot']);
    expect((await kubectl.ok(['create', 'token', 'robot', '--duration=10m'])).split('.')).toHaveLength(3);
    await kubectl.ok(['create', 'deployment', 'web', '--image=nginx']);
    expect(await kubectl.ok(['rollout', 'restart', 'deployment/web'])).toBe('deployment.apps/web restarted\n');
    expect(await kubectl.ok(['auth', 'can-i', 'delete', 'secrets'])).toBe('yes\n');
    expect(await kubectl.ok(['delete', 'secret', name])).toBe(`secret "${name}" deleted\n`);
  });
});
