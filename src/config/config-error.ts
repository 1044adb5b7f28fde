/** Thrown when the environment is invalid; main prints its message as one line and exits. */
export class ConfigError extends Error {}
