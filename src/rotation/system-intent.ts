import { Injectable } from '@nestjs/common';
import type { AuditEventInput } from '../audit/audit-event.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../common/actor.js';

type Target = AuditEventInput['target'];

export interface SystemIntent {
  readonly actor: Actor;
  readonly action: AuditEventInput['action'];
  readonly target: Target;
  readonly reason: string;
  /** The outcome's target when it names more than the intent's (the version the work ended). */
  readonly outcomeTarget?: Target;
}

/**
 * The one path for work the broker decides on itself (a scheduled rotation, the end of a grace
 * period, a drift response), as PolicyService.authorize is for callers: the decision is audited
 * as an `allowed` intent before anything changes, then the work runs and its outcome is audited.
 * An intent a crash leaves without an outcome is settled by the reconciler at start.
 */
@Injectable()
export class SystemIntents {
  constructor(private readonly audit: AuditService) {}

  async run<T>(
    intent: SystemIntent,
    work: () => Promise<T>,
    describe?: (result: T) => Pick<AuditEventInput, 'target' | 'details'>,
  ): Promise<T> {
    const { actor, action, target, reason } = intent;
    const recorded = await this.audit.record({ actor, action, outcome: 'allowed', target, reason });
    return this.audit.recordOutcome(
      { actor, action, target: intent.outcomeTarget ?? target, intentId: recorded.id },
      work,
      describe,
    );
  }
}
