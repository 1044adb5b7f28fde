import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ClusterGateway } from '../cluster/cluster.gateway.js';

/** What a location held: the text, and what a conditional write to it is conditional on. */
export interface StoredCheckpoint {
  readonly text: string;
  readonly version: string | undefined;
}

/** A place outside the database that holds the newest checkpoint. */
export interface CheckpointLocation {
  /** A bounded label, for logs, metrics and the verify report. */
  readonly name: 'configmap' | 'file';
  read(): Promise<StoredCheckpoint | undefined>;
  /** Writes `text` over what was read as `previous`; a Conflict DomainError when it changed meanwhile. */
  write(text: string, previous: StoredCheckpoint | undefined): Promise<void>;
}

export const CHECKPOINT_CONFIGMAP = 'secrets-broker-audit-checkpoint';
export const CHECKPOINT_KEY = 'checkpoint.json';
const LABELS = { 'app.kubernetes.io/managed-by': 'secrets-broker', 'app.kubernetes.io/component': 'audit-checkpoint' };

/**
 * A ConfigMap in the broker's own namespace. Several replicas write it: every write is
 * conditional on the resourceVersion it read (or is a create, which fails if one exists).
 */
export class ConfigMapCheckpointLocation implements CheckpointLocation {
  readonly name = 'configmap';

  constructor(
    private readonly cluster: ClusterGateway,
    private readonly namespace: string,
  ) {}

  async read(): Promise<StoredCheckpoint | undefined> {
    const configMap = await this.cluster.getConfigMap(this.namespace, CHECKPOINT_CONFIGMAP);
    return configMap && { text: configMap.data[CHECKPOINT_KEY] ?? '', version: configMap.resourceVersion };
  }

  async write(text: string, previous: StoredCheckpoint | undefined): Promise<void> {
    const configMap = {
      namespace: this.namespace,
      name: CHECKPOINT_CONFIGMAP,
      data: { [CHECKPOINT_KEY]: text },
      labels: LABELS,
    };
    if (previous?.version === undefined) await this.cluster.createConfigMap(configMap);
    else await this.cluster.replaceConfigMap(configMap, previous.version);
  }
}

/** A local file, replaced atomically: written and synced under a temporary name, then renamed. */
export class FileCheckpointLocation implements CheckpointLocation {
  readonly name = 'file';

  constructor(private readonly path: string) {}

  async read(): Promise<StoredCheckpoint | undefined> {
    try {
      return { text: await readFile(this.path, 'utf8'), version: undefined };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async write(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const file = await open(temporary, 'wx', 0o644);
      try {
        await file.writeFile(text, 'utf8');
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, this.path);
    } finally {
      await rm(temporary, { force: true });
    }
  }
}
