import { basename } from 'node:path';
import type { ArchiveHeader, PrunedRange } from '../audit/audit-archive.js';
import type { ChainVerifier } from '../audit/audit-chain.js';
import { truncationFindings, type AuditCheckpoint } from '../audit/audit-checkpoint.js';

/** An archive file given to verify, its header read. */
export interface GivenArchive {
  readonly path: string;
  readonly header: ArchiveHeader;
  /** Its checkpoint, when the signature verifies. */
  readonly checkpoint: AuditCheckpoint | undefined;
  readonly sha256: string;
}

export interface ArchiveFinding {
  readonly kind: 'archive-invalid' | 'archive-missing' | 'archive-unmatched';
  readonly message: string;
  readonly fromId?: number;
  readonly toId?: number;
}

/** What checking the archive files given to verify found, beside the chain findings of the walk. */
export class ArchiveFindings {
  readonly all: ArchiveFinding[] = [];

  add(kind: ArchiveFinding['kind'], message: string, range: { fromId?: number; toId?: number } = {}): void {
    this.all.push({ kind, message, ...range });
  }

  /** Events between the archives given, or between them and the database's chain, in none of them. */
  missing(fromId: number, toId: number): void {
    const events = fromId === toId ? `Event ${fromId} is` : `Events ${fromId}–${toId} are`;
    this.add('archive-missing', `${events} archived in none of the files given`, { fromId, toId });
  }

  /**
   * Each archive walked must be the very file a prune recorded (same range, same SHA-256), and its
   * checkpoint must match the chain as walked. Returns the pruned ranges whose file was checked.
   */
  matchArchives(walked: readonly GivenArchive[], pruned: readonly PrunedRange[], verifier: ChainVerifier): Set<number> {
    const checked = new Set<number>();
    for (const { path, header, checkpoint, sha256 } of walked) {
      const name = basename(path);
      const range = { fromId: header.firstId, toId: header.lastId };
      const prune = pruned.find((candidate) => candidate.fromId === header.firstId && candidate.toId === header.lastId);
      if (prune === undefined) {
        this.add(
          'archive-unmatched',
          `${name} (events ${header.firstId}–${header.lastId}) is not an archive of pruned events`,
          range,
        );
      } else if (prune.archiveSha256 !== sha256) {
        this.add(
          'archive-invalid',
          `${name} is not the file event ${prune.eventId} pruned: its SHA-256 differs (the file was altered)`,
          range,
        );
      } else {
        checked.add(prune.fromId);
      }
      if (checkpoint === undefined || checkpoint.id > verifier.head.id || verifier.wasSkipped(checkpoint.id)) continue;
      for (const found of truncationFindings(checkpoint, verifier.head, verifier.anchor(checkpoint.id))) {
        this.add('archive-invalid', `${name}: its checkpoint does not match the chain: ${found.message}`, range);
      }
    }
    return checked;
  }
}
