/**
 * `hotdocs-temporal advance-probe`: asks a real HotDocs Advance tenancy, through the project's own
 * client, each question its documentation leaves open, says whether the client handles the answer,
 * and names the emulator switch values that behave the same (docs/advance-probe.md).
 */
export type { Finding, ProbeCheck, SwitchMirror } from './check';
export { PROBE_MODES, type ProbeMode } from './mode';
export { PROBE_CHECKS } from './checks';
export type { ProbeSettings } from './context';
export { DEFAULT_COMPLETION_WAIT_MS } from './checks-completion';
export {
  emulatorBehaviourFile,
  renderReport,
  type CheckResult,
  type EmulatorBehaviourFile,
  type ProbeReport,
} from './report';
export { runProbe } from './run-probe';
export { EMULATOR_SWITCHES, UNPROBED_SWITCHES, type EmulatorSwitch, type ProbeBehaviour } from './switches';
