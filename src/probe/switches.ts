/**
 * The HotDocs Advance emulator's behaviour switches (tools/emulator/behaviour.ts, docs/emulator.md),
 * as the probe names them. `src/` never imports `tools/`, so the names are listed here and a test
 * holds both lists together: a switch added to the emulator must be probed by a check or listed
 * in `UNPROBED_SWITCHES` with the reason.
 */
export const EMULATOR_SWITCHES = [
  'createSuccessStatus',
  'duplicateCreate',
  'repeatBegin',
  'sessionInProgressStatus',
  'noActiveSessionStatus',
  'exposeActiveSession',
  'exposeVersions',
  'documentListShape',
  'completingMs',
  'postProcessingMs',
  'postProcessingOutcome',
  'syncThresholdMs',
  'completeResponseBody',
  'statusShape',
  'statusCase',
  'versionListShape',
  'createAndAssemble',
  'repeatCreateAndAssemble',
  'versionScopedDocuments',
  'documentsBeforeCompleted',
  'callbackDelivery',
  'finishInterviewMethod',
  'finishInterviewAuth',
  'finishInterviewAnswer',
  'repeatFinishInterview',
  'completeUnfinishedInterview',
  'answerSetFormat',
  'answerSetUpdateRefusalStatus',
] as const;

export type EmulatorSwitch = (typeof EMULATOR_SWITCHES)[number];
export type SwitchValue = string | number | boolean;

/** Switch values, as `PUT /__emulator/behaviour` and the emulator's `--behaviour` file take them. */
export type ProbeBehaviour = Partial<Record<EmulatorSwitch, SwitchValue>>;

/** Switches no answer the probe receives can reveal, and why. */
export const UNPROBED_SWITCHES: Readonly<Partial<Record<EmulatorSwitch, string>>> = {
  callbackDelivery:
    'whether callbacks arrive needs a callback URL the tenancy can reach; the probe sends none',
  finishInterviewAuth:
    'the client sends its bearer token to the Core API whenever it trusts the origin, so a success cannot ' +
    'tell whether the token was needed; a 401 from an untrusted origin says to set ADVANCE_CORE_URL',
  completeUnfinishedInterview:
    "asking means completing a version whose interview was not finished, which HotDocs' use case says " +
    'must not be done; the probe keeps to the documented order',
  postProcessingOutcome:
    "a failed post-assembly processing is the tenancy's post-assembly app failing; the probe cannot make " +
    'it fail, and a version that reads PostProcessingFailed on its own is reported by its status',
  answerSetFormat:
    "reading a real version's answer set brings personal data into the probe's report; the client reads " +
    'either format, and a lifecycle that stores the answers shows which one the tenancy sends',
  answerSetUpdateRefusalStatus:
    'asking means trying to change the answers of a version in progress, which the answer-set pages say ' +
    'Advance refuses; the probe changes no answers',
};
