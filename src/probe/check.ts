import type { AdvanceApiVersion } from '../advance';
import type { ProbeContext } from './context';
import type { ProbeMode } from './mode';
import type { EmulatorSwitch, ProbeBehaviour, SwitchValue } from './switches';

/**
 * One check of the probe: a few calls through the project's Advance client, what the tenancy
 * answered, whether the client handles it, and the emulator switch value that behaves the same.
 * The probe is the list of checks in `checks.ts`, run in order; a new emulator switch is one more
 * entry there.
 */
export interface ProbeCheck {
  /** Stable name, in the report and its JSON. */
  id: string;
  /** What is asked of the tenancy, as the report shows it. */
  title: string;
  /** The least mode that runs it: `dry-run` only logs in and reads; `complete` assembles documents. */
  mode: ProbeMode;
  protocols: readonly AdvanceApiVersion[];
  /** The switch whose value the check names, when it names one. */
  mirrors?: SwitchMirror;
  /** Makes the calls and reads the answers; throws `ProbeSkip` when an earlier step is missing. */
  run(probe: ProbeContext): Promise<Finding>;
}

export interface SwitchMirror {
  switch: EmulatorSwitch;
  /**
   * The values the check can name. The test matrix starts the emulator with each and requires
   * the probe to name it; a measured switch (milliseconds, named to the second) lists the values
   * it is tested with.
   */
  values: readonly SwitchValue[];
  /** Only on these protocols (default: the check's own). */
  protocols?: readonly AdvanceApiVersion[];
  /** Switches the emulator needs besides, for an answer to show this one. */
  showsWith?: ProbeBehaviour;
}

/** What a check found. */
export interface Finding {
  /** What the tenancy did, in words (never a token, password, answer XML or document content). */
  observed: string;
  /** Whether the project's client copes with it. */
  handled: boolean;
  /** The value of the check's switch that behaves the same; absent when no value does. */
  value?: SwitchValue;
  /** Why it matters, or what to do. */
  note?: string;
  /** Why no value of the switch behaves the same, when a call was answered but `value` is absent. */
  unnamed?: string;
}
