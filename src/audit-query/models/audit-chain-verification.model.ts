import { ApiProperty } from '@nestjs/swagger';

export const FINDING_KINDS = [
  'gap',
  'broken-link',
  'hash-mismatch',
  'truncated',
  'checkpoint-missing',
  'checkpoint-invalid',
  'checkpoint-unreadable',
  'checkpoint-behind',
  'checkpoint-rolled-back',
  'key-epoch-missing',
  'archive-invalid',
  'archive-missing',
  'archive-unmatched',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
export const CHECKPOINT_LOCATIONS = ['configmap', 'file'] as const;

export class AuditChainFinding {
  @ApiProperty({
    enum: FINDING_KINDS,
    description:
      'gap: events missing from the ids; broken-link: an event that does not link to the one before it; hash-mismatch: events whose ' +
      'hash does not match their fields under the key (modified, or re-hashed without the key); truncated: events a checkpoint ' +
      'recorded are gone or replaced; checkpoint-missing / checkpoint-invalid / checkpoint-unreadable: a checkpoint location holds ' +
      'none, one whose signature does not verify, or could not be read; checkpoint-behind: a location holds an older checkpoint ' +
      'than another location; checkpoint-rolled-back: a location holds an older checkpoint than this broker wrote there (put back); ' +
      'key-epoch-missing: the chain lacks the marker of the newest audit key epoch; archive-invalid: an archive file given to ' +
      'verify is damaged, altered, or not the file its prune recorded; archive-missing: events between the archives given, or ' +
      'between them and the database, are in none of them; archive-unmatched: an archive file covers no range that was pruned',
  })
  kind: FindingKind;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '41',
    description: 'First event id concerned (null for checkpoint findings)',
  })
  fromId: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '57',
    description: 'Last event id concerned (null for checkpoint findings)',
  })
  toId: string | null;

  @ApiProperty({
    enum: CHECKPOINT_LOCATIONS,
    nullable: true,
    description: 'Where the checkpoint concerned is kept (null for chain findings)',
  })
  location: (typeof CHECKPOINT_LOCATIONS)[number] | null;

  @ApiProperty({
    example: 'Events 41–57 do not match their hash under the key (modified, or re-hashed without it)',
    description: 'The finding, for a human',
  })
  message: string;
}

export class AuditCheckpointReference {
  @ApiProperty({ example: '1200', description: 'Id of the newest event the checkpoint recorded ("0": an empty chain)' })
  id: string;

  @ApiProperty({ example: 1200, description: 'Events the chain held up to that id' })
  count: number;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the checkpoint was written' })
  writtenAt: Date;

  @ApiProperty({ enum: CHECKPOINT_LOCATIONS, description: 'Where it is kept: a ConfigMap in the cluster, or a file' })
  location: (typeof CHECKPOINT_LOCATIONS)[number];
}

/** Events lost to a database restore, which an operator acknowledged (an event in the chain says so). */
export class AcknowledgedAuditGap {
  @ApiProperty({ example: '4', description: 'First lost event id, in the chain as it was before the restore' })
  fromId: string;

  @ApiProperty({ example: '9', description: 'Last lost event id (the id of the checkpoint it was measured against)' })
  toId: string;

  @ApiProperty({ example: 6, description: 'How many events the checkpoint proves were lost' })
  lostEvents: number;

  @ApiProperty({ type: AuditCheckpointReference, description: 'The checkpoint the loss was measured against' })
  checkpoint: AuditCheckpointReference;

  @ApiProperty({ example: '12', description: 'The restore_acknowledged event' })
  eventId: string;

  @ApiProperty({ example: 'user:ops', description: 'Who acknowledged it' })
  acknowledgedBy: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it was acknowledged' })
  acknowledgedAt: Date;

  @ApiProperty({ example: 'restored from the 02:00 backup after disk loss', description: 'Why, as given' })
  reason: string;
}

/** Events archived to a file and removed from the database, as the prune's event records them. */
export class ArchivedAuditRange {
  @ApiProperty({ example: '1', description: 'First archived event id' })
  fromId: string;

  @ApiProperty({ example: '5000', description: 'Last archived event id' })
  toId: string;

  @ApiProperty({ example: 5000, description: 'How many events the archive holds' })
  count: number;

  @ApiProperty({
    example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    description: 'SHA-256 of the archive file, as it was pruned',
  })
  archiveSha256: string;

  @ApiProperty({ example: '5123', description: 'The audit_pruned event' })
  eventId: string;

  @ApiProperty({ example: 'user:ops', description: 'Who pruned it' })
  prunedBy: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it was pruned' })
  prunedAt: Date;

  @ApiProperty({ description: 'Whether its archive file was given to this verify and checked as part of the chain' })
  checked: boolean;
}

/** A range of event ids. */
export class AuditEventRange {
  @ApiProperty({ example: '1', description: 'The first event of the range' })
  fromId: string;

  @ApiProperty({ example: '5000', description: 'The last event of the range, included' })
  toId: string;
}

export class AuditChainVerification {
  @ApiProperty({
    description:
      'True when nothing was found: the chain is whole, links and hashes match, and it still holds what the checkpoints recorded',
  })
  ok: boolean;

  @ApiProperty({ description: 'Events examined up to and including the first broken one (all of them when none is)' })
  checked: number;

  @ApiProperty({
    example: 2,
    description:
      'How many independent anchors (checkpoint locations holding a validly signed checkpoint) the chain was compared ' +
      'against and cross-checked with each other; 1 cannot show an older checkpoint put back, see the audit trail docs',
  })
  anchors: number;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'The first stored event that is broken (after a gap, unlinked or mismatched)',
  })
  firstBrokenId: string | null;

  @ApiProperty({
    type: AuditCheckpointReference,
    nullable: true,
    description: 'The newest validly signed checkpoint the chain was compared against (every valid one is compared)',
  })
  checkpoint: AuditCheckpointReference | null;

  @ApiProperty({
    type: [AuditChainFinding],
    description: 'What was found, chain findings in id order first (at most 100 of those)',
  })
  findings: AuditChainFinding[];

  @ApiProperty({
    type: [AcknowledgedAuditGap],
    description:
      'Gaps acknowledged as lost to a database restore: the checkpoints they were measured against are not reported as truncated',
  })
  acknowledgedGaps: AcknowledgedAuditGap[];

  @ApiProperty({
    type: [ArchivedAuditRange],
    description: 'Ranges archived and pruned from the database, as far as the chain walked still records their prunes',
  })
  archived: ArchivedAuditRange[];

  @ApiProperty({
    type: [AuditEventRange],
    description:
      'Archived events this verify did not check, because their archive files were not given to it (the route checks the ' +
      'database alone; `npm run audit:verify -- --archive FILE…` checks archives with it)',
  })
  unchecked: AuditEventRange[];
}
