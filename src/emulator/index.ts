export { KubernetesEmulator, type EmulatorOptions, type RequestRecord, type ResourceAccess } from './emulator.js';
export type { FaultRule } from './faults.js';
export type { GrantRule } from './auth.js';
