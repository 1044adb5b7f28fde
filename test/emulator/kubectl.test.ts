import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { KUBECTL, Kubectl, eventually } from './support.js';

/** The real kubectl is the judge of wire fidelity: every command here runs the binary against the emulator. */
describe('kubectl against the emulator', () => {
  let emulator: KubernetesEmulator;
  let kubectl: Kubectl;

  beforeAll(async () => {
    emulator = await KubernetesEmulator.start();
    kubectl = await Kubectl.create(emulator);
  });

  afterAll(async () => {
    await kubectl.dispose();
    await emulator.stop();
  });

  it('creates (protobuf body), gets and lists secrets', async () => {
    expect(
      await kubectl.ok([
        'create',
        'secret',
        'generic',
        'app-creds',
        '--from-literal=user=admin',
        '--from-literal=password=pw',
      ]),
    ).toBe('secret/app-creds created\n');
    const got = JSON.parse(await kubectl.ok(['get', 'secret', 'app-creds', '-o', 'json'])) as {
      data: Record<string, string>;
      type: string;
    };
    expect(got.type).toBe('Opaque');
    expect(Buffer.from(got.data.password, 'base64').toString()).toBe('pw');
    const table = await kubectl.ok(['get', 'secrets']);
    expect(table).toMatch(/^NAME\s+TYPE\s+DATA\s+AGE\n/);
    expect(table).toMatch(/app-creds\s+Opaque\s+2\s+\d+s/);
    const again = await kubectl.run(['create', 'secret', 'generic', 'app-creds', '--from-literal=a=b']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('secrets "app-creds" already exists');
  });

  it('labels, selects with -l and patches', async () => {
    await kubectl.ok(['create', 'secret', 'generic', 'labelled', '--from-literal=k=v']);
    expect(await kubectl.ok(['label', 'secret', 'labelled', 'tier=db', 'team=core'])).toBe('secret/labelled labeled\n');
    expect(await kubectl.ok(['get', 'secrets', '-l', 'tier=db', '-o', 'name'])).toBe('secret/labelled\n');
    expect(await kubectl.ok(['get', 'secrets', '-l', 'tier in (db,cache),team!=other', '-o', 'name'])).toBe(
      'secret/labelled\n',
    );
    expect((await kubectl.run(['get', 'secrets', '-l', 'tier=web'])).stderr).toContain(
      'No resources found in default namespace.',
    );
    expect(await kubectl.ok(['patch', 'secret', 'labelled', '-p', '{"stringData":{"extra":"1"}}'])).toBe(
      'secret/labelled patched\n',
    );
    expect(
      await kubectl.ok(['patch', 'secret', 'labelled', '--type=json', '-p', '[{"op":"remove","path":"/data/k"}]']),
    ).toBe('secret/labelled patched\n');
    expect(await kubectl.ok(['get', 'secret', 'labelled', '-o', 'jsonpath={.data}'])).toBe(
      `{"extra":"${Buffer.from('1').toString('base64')}"}`,
    );
  });

  it('replace with a stale resourceVersion conflicts; a fresh one succeeds (uses /openapi/v3)', async () => {
    await kubectl.ok(['create', 'secret', 'generic', 'versioned', '--from-literal=v=1']);
    const stale = await kubectl.ok(['get', 'secret', 'versioned', '-o', 'json']);
    await kubectl.ok(['label', 'secret', 'versioned', 'bump=1']);
    const conflict = await kubectl.run(['replace'], stale);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('Error from server (Conflict): error when replacing');
    expect(conflict.stderr).toContain(
      'Operation cannot be fulfilled on secrets "versioned": the object has been modified; please apply your changes to the latest version and try again',
    );
    const fresh = JSON.parse(await kubectl.ok(['get', 'secret', 'versioned', '-o', 'json'])) as {
      metadata: { labels: Record<string, string> };
    };
    fresh.metadata.labels.bump = '2';
    expect(await kubectl.ok(['replace'], JSON.stringify(fresh))).toBe('secret/versioned replaced\n');
    expect(emulator.requests.some((r) => r.path.startsWith('/openapi/v3'))).toBe(true);
  });

  it('create -f validates strictly, as kubectl asks (fieldValidation=Strict)', async () => {
    const typo = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'typo' },
      stringdata: { a: 'b' },
    });
    const result = await kubectl.run(['create'], typo);
    expect(result.stderr).toContain('strict decoding error: unknown field "stringdata"');
    const good = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'from-file' },
      stringData: { a: 'b' },
    });
    expect(await kubectl.ok(['create'], good)).toBe('secret/from-file created\n');
  });

  it('deletes', async () => {
    await kubectl.ok(['create', 'secret', 'generic', 'temp', '--from-literal=a=b']);
    expect(await kubectl.ok(['delete', 'secret', 'temp'])).toBe('secret "temp" deleted\n');
    const missing = await kubectl.run(['get', 'secret', 'temp']);
    expect(missing.stderr).toContain('Error from server (NotFound): secrets "temp" not found');
  });

  it('creates a service account and a token with --duration, audiences and a bound object', async () => {
    expect(await kubectl.ok(['create', 'serviceaccount', 'robot'])).toBe('serviceaccount/robot created\n');
    const token = (await kubectl.ok(['create', 'token', 'robot', '--duration=15m', '--audience=vault'])).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    expect(claims.sub).toBe('system:serviceaccount:default:robot');
    expect(claims.aud).toEqual(['vault']);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
    const uid = (await kubectl.ok(['get', 'secret', 'app-creds', '-o', 'jsonpath={.metadata.uid}'])).trim();
    const bound = (
      await kubectl.ok([
        'create',
        'token',
        'robot',
        '--bound-object-kind=Secret',
        '--bound-object-name=app-creds',
        `--bound-object-uid=${uid}`,
      ])
    ).trim();
    const boundClaims = JSON.parse(Buffer.from(bound.split('.')[1], 'base64url').toString()) as Record<
      string,
      Record<string, unknown>
    >;
    expect(boundClaims['kubernetes.io'].secret).toEqual({ name: 'app-creds', uid });
    const tooShort = await kubectl.run(['create', 'token', 'robot', '--duration=1m']);
    expect(tooShort.stderr).toContain('may not specify a duration less than 10 minutes');
  });

  it('a token without permissions is forbidden with the real message; can-i says no', async () => {
    const token = (await kubectl.ok(['create', 'token', 'robot'])).trim();
    const robot = await Kubectl.create(emulator, { token });
    try {
      const denied = await robot.run(['get', 'secrets']);
      expect(denied.stderr).toContain(
        'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:default:robot" cannot list resource "secrets" in API group "" in the namespace "default"',
      );
      expect((await robot.run(['auth', 'can-i', 'list', 'secrets'])).stdout).toBe('no\n');
      expect(await kubectl.ok(['auth', 'can-i', 'list', 'secrets'])).toBe('yes\n');
      expect(await robot.ok(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).toBe(
        'system:serviceaccount:default:robot',
      );
    } finally {
      await robot.dispose();
    }
  });

  it('creates a deployment and restarts it with rollout restart', async () => {
    expect(await kubectl.ok(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2', '--port=80'])).toBe(
      'deployment.apps/web created\n',
    );
    expect(await kubectl.ok(['rollout', 'restart', 'deployment/web'])).toBe('deployment.apps/web restarted\n');
    const dep = JSON.parse(await kubectl.ok(['get', 'deployment', 'web', '-o', 'json'])) as {
      metadata: { generation: number };
      spec: {
        replicas: number;
        template: {
          metadata: { annotations: Record<string, string> };
          spec: { containers: Array<{ image: string; ports: unknown[] }> };
        };
      };
    };
    expect(dep.spec.replicas).toBe(2);
    expect(dep.metadata.generation).toBe(2);
    expect(dep.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeDefined();
    expect(dep.spec.template.spec.containers[0]).toMatchObject({
      image: 'nginx:1.27',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
    });
    expect(await kubectl.ok(['rollout', 'status', 'deployment/web', '--timeout=5s'])).toContain(
      'successfully rolled out',
    );
    expect(await kubectl.ok(['get', 'deployments'])).toMatch(/web\s+2\/2\s+2\s+2/);
  });

  it('manages namespaces', async () => {
    expect(await kubectl.ok(['create', 'namespace', 'scratch'])).toBe('namespace/scratch created\n');
    await kubectl.ok(['-n', 'scratch', 'create', 'secret', 'generic', 'inner', '--from-literal=a=b']);
    expect(await kubectl.ok(['delete', 'namespace', 'scratch'])).toBe('namespace "scratch" deleted\n');
    expect(
      (await kubectl.run(['-n', 'scratch', 'create', 'secret', 'generic', 'x', '--from-literal=a=b'])).stderr,
    ).toContain('namespaces "scratch" not found');
  });

  it('get secrets --watch sees creations and deletions', async () => {
    const child = spawn(
      KUBECTL,
      [
        '--kubeconfig',
        join(kubectl.dir, 'kubeconfig.json'),
        '--cache-dir',
        join(kubectl.dir, 'cache'),
        'get',
        'secrets',
        '--watch',
        '-o',
        'name',
        '-l',
        'watched=yes',
      ],
      {
        env: { PATH: process.env.PATH ?? '', HOME: kubectl.dir },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await eventually(() =>
        emulator.requests.some((r) => r.query.includes('watch=true') && r.query.includes('watched')),
      );
      await kubectl.ok(['create', 'secret', 'generic', 'seen', '--from-literal=a=b']);
      await kubectl.ok(['label', 'secret', 'seen', 'watched=yes']);
      await kubectl.ok(['delete', 'secret', 'seen']);
      const lines = await eventually(() => {
        const l = output.split('\n').filter(Boolean);
        return l.length >= 2 && l;
      });
      expect(lines).toEqual(['secret/seen', 'secret/seen']);
    } finally {
      child.kill();
    }
  });
});
