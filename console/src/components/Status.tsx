import type { ReactNode } from 'react';

const TONES: Record<string, 'good' | 'bad' | 'warn' | 'neutral'> = {
  active: 'good',
  current: 'good',
  allowed: 'good',
  succeeded: 'good',
  delivered: 'good',
  approved: 'good',
  verified: 'good',
  denied: 'bad',
  failed: 'bad',
  revoked: 'bad',
  broken: 'bad',
  drifted: 'warn',
  pending: 'warn',
  expired: 'neutral',
  previous: 'neutral',
  deprecated: 'neutral',
  withdrawn: 'neutral',
  invalidated: 'neutral',
  unmanaged: 'neutral',
};

/** A status shown as its word (never colour alone), tinted by tone. */
export function StatusBadge({ status }: { readonly status: string }) {
  return <span className={`badge badge-${TONES[status] ?? 'neutral'}`}>{status}</span>;
}

export function ErrorNote({ error }: { readonly error: unknown }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {error instanceof Error ? error.message : 'Something went wrong'}
    </p>
  );
}

export function Loading({ what }: { readonly what: string }) {
  return (
    <p role="status" className="muted">
      Loading {what}…
    </p>
  );
}

export function Time({ value }: { readonly value: string | null | undefined }): ReactNode {
  if (!value) return <span className="muted">—</span>;
  return (
    <time dateTime={value}>
      {new Date(value)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')}
    </time>
  );
}
