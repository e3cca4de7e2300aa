/**
 * Every `patched()` id of the lifecycle, with what it guards, why, and when it can go. A lifecycle
 * waits for weeks, so each build replays histories written by the builds before it: a change to
 * the workflow's commands takes its new path only where `patched(id)` says so, and the old path
 * stays for histories without the marker. The policy (patch, then `deprecatePatch`, then remove)
 * and the count that says when a step may be taken are in docs/deploy.md, "The versioning
 * policy". Ids are kebab-case and never reused; `npm test` replays a recorded history of each
 * path (test/histories).
 *
 * "Step 2 after 0.1.0" below means: every id was added after release 0.1.0, whose lifecycles know
 * none of them, so each may be deprecated once no lifecycle of 0.1.0 is left (and
 * test/histories/v0.1.0 is deleted with it).
 */

/**
 * An operator-fixable failure (a refused login, a 403, a completion Advance cannot confirm) waits
 * in `needs-attention` for a repair instead of failing the lifecycle, which is what histories
 * without it did (lifecycle-attention.ts). Step 2 after 0.1.0.
 */
export const PATCH_NEEDS_ATTENTION = 'needs-attention';

/**
 * Bounded attention (lifecycle-attention.ts): automatic retries back off to a ceiling, and a run
 * waiting in needs-attention at a step the run re-enters from its state continues as new before
 * its history grows long; and a start with `attentionRetryEvery` under a minute is refused
 * (workflows.ts). Before, the interval was fixed, any interval was taken, and the wait never
 * continued as new. Step 2 after 0.1.0.
 */
export const PATCH_BOUNDED_ATTENTION = 'bounded-attention';

/**
 * A follow-up signal beyond the queue's bounds (`followUpLimits`) is refused and recorded; before,
 * every request was queued (lifecycle-inbox.ts). Step 2 after 0.1.0.
 */
export const PATCH_BOUNDED_FOLLOW_UP_QUEUE = 'bounded-follow-up-queue';

/**
 * v2.0: a version's Advance callback acts once, as its URL is single-use; before, a repeat asked
 * for another status read (lifecycle-inbox.ts). Step 2 after 0.1.0.
 */
export const PATCH_SINGLE_USE_CALLBACK = 'single-use-advance-callback';

/**
 * v1.1: after a CompleteSession that needed a retry, no session begins until a lost attempt's
 * request is dead (CompleteSession names no version there, so it could complete the next
 * session); before, the next session began at once (session-completion.ts). Step 2 after 0.1.0.
 */
export const PATCH_QUARANTINE_AFTER_RETRIED_COMPLETE = 'quarantine-after-retried-complete';

/**
 * The short steps (token, create work item, begin session, collect documents) run as local
 * activities first; before, each was a regular activity (local-first.ts). A lifecycle that reaches
 * one of them on a build with this patch takes the local path from then on. Step 2 after 0.1.0.
 */
export const PATCH_LOCAL_STEPS = 'local-activities-for-short-steps';

/**
 * v2.0's CreateAndAssemble as a local activity too. Its own id, because lifecycles that took the
 * local short steps before it existed ran it as a regular activity (session-completion.ts). Step 2
 * after 0.1.0, together with `PATCH_LOCAL_STEPS`.
 */
export const PATCH_LOCAL_ASSEMBLE = 'local-activity-for-assemble-version';

/**
 * A lifecycle is traced (Temporal's OpenTelemetry interceptors, SDK v1 line) from the first message
 * that carries a trace context; the decision is recorded here so a replay takes the same path, and
 * lifecycles from before tracing replay untouched (src/observability/tracing-workflow-interceptors.ts).
 * Not a change of the lifecycle's own commands: it stays as long as tracing is offered, and a
 * successor of the interceptors (another SDK line) gets an id of its own.
 */
export const TRACING_PATCH = 'opentelemetry-tracing-v1';

/**
 * The next two guard one withdrawn change (session-completion.ts, `completeCall`). For a while,
 * v2.0's CompleteSession after the interview ran as a local activity (this id); it was taken back
 * because a message arriving during the workflow task that also closed the lifecycle made the
 * worker repeat that task, the completion included. Lifecycles written since record
 * `PATCH_REGULAR_COMPLETE` and run the regular activity again.
 *
 * They cannot become one id: three kinds of history reach this point and replay differently —
 * with neither marker (v2.0 before the local completion: regular), with this one (local) and with
 * the next (regular) — and only the pair tells the first two apart (test/histories holds all
 * three). No release ever ran the local completion (v2.0 came after 0.1.0): both ids, and the two
 * recorded v2.0 histories that carry their markers, can be deleted together before the first
 * release with v2.0, if no environment still runs a lifecycle written by a build in between.
 */
export const PATCH_LOCAL_NAMED_COMPLETE = 'local-activity-for-version-named-complete';
export const PATCH_REGULAR_COMPLETE = 'regular-activity-for-complete-before-close';

/**
 * v2.0: before Complete, a session begun with create-version has its Core interview finished
 * (`finishcurrentinterview`, HotDocs' interview use case); before, Complete came straight after
 * the interview (session-completion.ts). Step 2 after 0.1.0.
 */
export const PATCH_FINISH_CORE_INTERVIEW = 'finish-core-interview-before-complete';

/**
 * v2.0: while the lifecycle waits at the interview it reads its version's status every
 * `interview.statusReadEvery`, and at once when Advance's own webhook reports a change on the work
 * item (`advanceWebhook`), so a version completed in Advance's web app is collected without a
 * Complete of ours (interview-wait.ts, lifecycle-inbox.ts). Before, the wait knew only the
 * `interviewCompleted` message, its reminders and its deadline; a webhook signal sent to such a
 * lifecycle is ignored on replay. Step 2 after 0.1.0.
 */
export const PATCH_STATUS_READS_AT_INTERVIEW = 'status-reads-while-waiting-for-interview';

/**
 * v2.0 `storeAnswerSet`: after a version's documents, its answer set is stored beside them (the
 * activity `storeAnswerSet`, session-completion.ts). Lifecycles without the input never reach the
 * step; the id keeps a build that has not got the step from taking another path in the replay of a
 * history that has. Step 2 after 0.1.0.
 */
export const PATCH_STORE_ANSWER_SET = 'store-answer-set';

/**
 * v2.0: an operator's `repair` retry with `answersRef` first puts the corrected answers as the
 * version's answer set (the activity `correctAnswerSet`, lifecycle-attention.ts); a refused
 * correction leaves the lifecycle in needs-attention. Before, the field did not exist and such a
 * repair was a plain retry. Step 2 after 0.1.0.
 */
export const PATCH_CORRECT_ANSWERS = 'correct-answers-before-retry';
