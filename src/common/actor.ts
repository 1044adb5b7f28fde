/** Who is calling, derived from a verified token, plus where the request came from. */
export interface Actor {
  /** The principal subject: `user:<sub>` (or `serviceaccount:<ns>/<name>`). */
  readonly subject: string;
  /** The principal subject followed by one `group:<name>` per group claim. */
  readonly subjects: readonly string[];
  readonly request: RequestMeta;
}

export interface RequestMeta {
  readonly requestId: string;
  readonly sourceIp: string | undefined;
  readonly userAgent: string | undefined;
}

export const USER_PREFIX = 'user:';
export const GROUP_PREFIX = 'group:';

/** The broker acting on its own (scheduler, reconciler, drift detector): no grants, a request id per run. */
export function systemActor(subject: `system:${string}`, requestId: string): Actor {
  return { subject, subjects: [subject], request: { requestId, sourceIp: undefined, userAgent: undefined } };
}
