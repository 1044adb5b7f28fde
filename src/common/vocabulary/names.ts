/** The names the broker's inputs accept: subjects, roles, and Kubernetes object and namespace names. */
// No whitespace or control characters in a user or group name (a NUL breaks PostgreSQL text).
export const SUBJECT_PATTERN =
  /^(user:[^\s\p{Cc}]{1,255}|group:[^\s\p{Cc}]{1,255}|serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/u;
export const SUBJECT_MESSAGE = 'subject must be user:<sub>, group:<name> or serviceaccount:<namespace>/<name>';
export const ROLE_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const ROLE_NAME_MESSAGE = 'role must be a lowercase DNS label (a-z, 0-9, -; at most 63 characters)';
/** Kubernetes object names (RFC 1123 subdomain) and namespaces (RFC 1123 label). */
export const SECRET_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const SECRET_NAME_MAX_LENGTH = 253;
export const SECRET_NAME_MESSAGE = 'name must be a Kubernetes object name (RFC 1123 subdomain)';
export const NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const NAMESPACE_MESSAGE = 'namespace must be a Kubernetes namespace name (RFC 1123 label)';
