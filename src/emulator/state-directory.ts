import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store, StoreContents } from './store.js';

/** What makes an emulator the same server after a restart: its certificate, signing key and admin token. */
export interface EmulatorIdentity {
  readonly certPem: string;
  readonly keyPem: string;
  readonly signingKeyPem: string;
  readonly adminToken: string;
}

const SAVE_DELAY_MS = 100;

/**
 * Keeps an emulator's identity and objects in a directory, so a restarted dev cluster still holds
 * what the broker wrote into it (and tokens it issued still verify). Objects are saved shortly
 * after each change and on stop, each time to a temporary file renamed into place.
 */
export class StateDirectory {
  private pending: NodeJS.Timeout | undefined;

  constructor(private readonly directory: string) {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
  }

  identity(): EmulatorIdentity | undefined {
    return this.read<EmulatorIdentity>('identity.json');
  }

  saveIdentity(identity: EmulatorIdentity): void {
    this.write('identity.json', identity);
  }

  contents(): StoreContents | undefined {
    return this.read<StoreContents>('objects.json');
  }

  /** Saves the store after its changes, coalescing bursts. */
  follow(store: Store): void {
    store.onChange = () => {
      this.pending ??= setTimeout(() => this.save(store), SAVE_DELAY_MS);
    };
  }

  save(store: Store): void {
    clearTimeout(this.pending);
    this.pending = undefined;
    this.write('objects.json', store.contents());
  }

  private read<T>(file: string): T | undefined {
    const path = join(this.directory, file);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
  }

  private write(file: string, value: unknown): void {
    const path = join(this.directory, file);
    writeFileSync(`${path}.tmp`, JSON.stringify(value), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }
}
