import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import {
  advanceDecision,
  checkpointSignature,
  decodeCheckpoint,
  encodeCheckpoint,
  NO_PREVIOUS_CHECKPOINT,
  type AuditCheckpoint,
  type CheckpointHead,
  type CheckpointReading,
} from './audit-checkpoint.js';
import type { CheckpointLocation, StoredCheckpoint } from './checkpoint-locations.js';

type LocationName = CheckpointLocation['name'];

/** What one location held; `reading` is undefined when it could not be read (then `error` says why). */
export interface LocationReading {
  readonly location: LocationName;
  readonly reading: CheckpointReading | undefined;
  readonly error?: string;
}

export interface WriteOutcome {
  readonly location: LocationName;
  /** `current`: it already holds this checkpoint or a newer one (another replica's). */
  readonly result: 'written' | 'current' | 'refused' | 'failed';
  readonly detail?: string;
  readonly error?: unknown;
}

// Replicas racing for one ConfigMap: each conflict means another one just advanced it.
const MAX_ATTEMPTS = 3;

/**
 * The checkpoints kept outside the database, in every configured location: read for verify and
 * for the re-keying decision, and advanced by the writer under the rules of advanceDecision.
 * Reads and writes of this process take turns, so verify never sees one location written and
 * the other not yet.
 */
export class AuditCheckpoints {
  /** Locations seen holding a checkpoint during this process's life: one vanishing is not recreated. */
  private readonly seen = new Set<LocationName>();
  /** The sequence this process last wrote to each location: anything older there was put back. */
  private readonly lastWritten = new Map<LocationName, number>();
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    readonly locations: readonly CheckpointLocation[],
    private readonly key: Buffer,
    private readonly retiredKeys: readonly Buffer[] = [],
  ) {}

  readAll(): Promise<LocationReading[]> {
    return this.inTurn(() => this.readEach());
  }

  /** The sequence this process last wrote to `location`, if it wrote one. */
  lastWrittenTo(location: LocationName): number | undefined {
    return this.lastWritten.get(location);
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async readEach(): Promise<LocationReading[]> {
    return Promise.all(
      this.locations.map(async (location): Promise<LocationReading> => {
        try {
          return { location: location.name, reading: this.decode(location, await location.read()) };
        } catch (error) {
          return {
            location: location.name,
            reading: undefined,
            error: error instanceof Error ? error.message : String(error),
          };
        }
      }),
    );
  }

  /** Whether any location holds anything, even an invalid checkpoint; throws when one cannot be read. */
  async anyPresent(): Promise<boolean> {
    const stored = await Promise.all(this.locations.map((location) => location.read()));
    return stored.some((item) => item !== undefined);
  }

  /**
   * Advances every location to `head`, chained after the newest valid checkpoint any location
   * holds; never throws. `hashAt` looks an event's hash up in the database; `acknowledged` tells
   * whether the chain acknowledges a checkpoint as lost to a restore.
   */
  write(
    head: CheckpointHead,
    hashAt: (id: number) => Promise<string | undefined>,
    acknowledged: (checkpoint: CheckpointHead) => Promise<boolean> = () => Promise.resolve(false),
  ): Promise<WriteOutcome[]> {
    return this.inTurn(async () => {
      const next = this.chainedAfter(head, await this.readEach());
      return Promise.all(
        this.locations.map(async (location): Promise<WriteOutcome> => {
          try {
            return await this.advance(location, next, hashAt, acknowledged);
          } catch (error) {
            return { location: location.name, result: 'failed', error };
          }
        }),
      );
    });
  }

  private chainedAfter(head: CheckpointHead, readings: readonly LocationReading[]): AuditCheckpoint {
    const newest = readings
      .flatMap(({ reading }) =>
        reading?.state === 'valid'
          ? [reading.checkpoint]
          : reading?.state === 'invalid' && reading.superseded
            ? [reading.superseded]
            : [],
      )
      .sort((a, b) => b.sequence - a.sequence)[0];
    const written = Math.max(0, ...this.lastWritten.values());
    return {
      ...head,
      sequence: Math.max(newest?.sequence ?? 0, written) + 1,
      previous: newest ? checkpointSignature(newest, this.key) : NO_PREVIOUS_CHECKPOINT,
    };
  }

  private async advance(
    location: CheckpointLocation,
    next: AuditCheckpoint,
    hashAt: (id: number) => Promise<string | undefined>,
    acknowledged: (checkpoint: CheckpointHead) => Promise<boolean>,
  ): Promise<WriteOutcome> {
    for (let attempt = 1; ; attempt++) {
      const stored = await location.read();
      const current = this.decode(location, stored);
      const held =
        current.state === 'valid' ? current.checkpoint : current.state === 'invalid' ? current.superseded : undefined;
      const hashAtCurrent = held !== undefined && held.id > 0 ? await hashAt(held.id) : undefined;
      const lostToRestore =
        current.state === 'valid' &&
        hashAtCurrent !== current.checkpoint.hash &&
        (await acknowledged(current.checkpoint));
      const decision = advanceDecision(current, next, {
        seenBefore: this.seen.has(location.name),
        hashAtCurrent,
        lastWritten: this.lastWritten.get(location.name),
        lostToRestore,
      });
      if (!decision.write) {
        return decision.refusal === undefined
          ? { location: location.name, result: 'current' }
          : { location: location.name, result: 'refused', detail: decision.refusal };
      }
      try {
        await location.write(encodeCheckpoint(next, this.key), stored);
        this.seen.add(location.name);
        this.lastWritten.set(location.name, next.sequence);
        return { location: location.name, result: 'written' };
      } catch (error) {
        if (!(error instanceof DomainError && error.code === ErrorCode.Conflict) || attempt === MAX_ATTEMPTS)
          throw error;
      }
    }
  }

  private decode(location: CheckpointLocation, stored: StoredCheckpoint | undefined): CheckpointReading {
    if (stored === undefined) return { state: 'missing' };
    this.seen.add(location.name);
    return decodeCheckpoint(stored.text, this.key, this.retiredKeys);
  }
}
