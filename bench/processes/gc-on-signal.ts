/**
 * Preloaded into a benchmarked process (NODE_OPTIONS="--expose-gc --import <this file>"): SIGWINCH
 * runs a full garbage collection, so its memory can be sampled without the garbage of earlier work.
 * (Not SIGUSR2, which some tools send to restart a process.)
 */
process.on('SIGWINCH', () => gc?.());
