/** brokerctl's exit codes; `brokerctl help exit-codes` prints them. */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  notFound: 3,
  unauthenticated: 4,
  forbidden: 5,
  conflict: 6,
  notApproved: 7,
  unavailable: 8,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  any other error (bad input refused by the broker, rate limited, a verification that failed)
  2  usage: an unknown command or option, a missing or malformed argument
  3  not found (or gone: a revoked secret)
  4  not authenticated: no credential, or the broker refused it (expired, wrong issuer)
  5  forbidden: no grant allows it
  6  conflict: it exists already, or a stale version (If-Match)
  7  access request --wait ended without approval (denied, withdrawn, expired, invalidated, timed out)
  8  unavailable: the broker cannot be reached, or its database, audit trail or cluster failed
brokerctl run returns the command's own exit code, or 128 + N when it died of signal N.
brokerctl can-i exits 0 for yes and 1 for no.
`;

/** An RFC 9457 problem object: the broker's own, or one brokerctl makes for a local error. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status?: number;
  readonly detail: string;
  readonly requestId?: string;
  readonly [field: string]: unknown;
}

/** An error that ends the run with `exitCode`; `problem` is what JSON mode prints on stderr. */
export class CliError extends Error {
  readonly problem: Problem;

  constructor(
    readonly exitCode: ExitCodeValue,
    problem: Problem | string,
  ) {
    const resolved = typeof problem === 'string' ? localProblem(exitCode, problem) : problem;
    super(resolved.detail);
    this.problem = resolved;
  }
}

export function usageError(detail: string): CliError {
  return new CliError(ExitCode.usage, detail);
}

function localProblem(exitCode: ExitCodeValue, detail: string): Problem {
  const [type, title] = LOCAL_PROBLEMS[exitCode];
  return { type: `urn:brokerctl:problem:${type}`, title, detail };
}

const LOCAL_PROBLEMS: Record<ExitCodeValue, [string, string]> = {
  0: ['ok', 'OK'],
  1: ['error', 'Error'],
  2: ['usage', 'Usage error'],
  3: ['not-found', 'Not Found'],
  4: ['unauthenticated', 'Not authenticated'],
  5: ['forbidden', 'Forbidden'],
  6: ['conflict', 'Conflict'],
  7: ['not-approved', 'Not approved'],
  8: ['unavailable', 'Unavailable'],
};

/** The exit code for an HTTP error status of the broker. */
export function exitCodeForStatus(status: number): ExitCodeValue {
  switch (status) {
    case 401:
      return ExitCode.unauthenticated;
    case 403:
      return ExitCode.forbidden;
    case 404:
    case 410:
      return ExitCode.notFound;
    case 409:
    case 412:
      return ExitCode.conflict;
    case 502:
    case 503:
    case 504:
      return ExitCode.unavailable;
    default:
      return ExitCode.error;
  }
}
