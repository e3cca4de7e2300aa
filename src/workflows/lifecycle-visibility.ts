import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { LifecycleView } from './lifecycle-view';
import { isTerminal, type LifecycleStage } from './message-rules';
import { BUSINESS_KEY, STAGE, TENANCY, WAITING_SINCE, WORK_ITEM_ID } from './search-attributes';

/**
 * What operators see of a lifecycle in Temporal UI: the stage in the search attributes and in
 * the current details.
 *
 * The search attributes follow the lifecycle where it rests (waiting for an interview, idle,
 * ended) and where it resumes work from a rest; transient steps show in the current details and
 * `status` only. Each upsert is a history event and a visibility write, and steps that last
 * milliseconds are not what operators search for; a lifecycle stuck in a step stays findable by
 * the stage it resumed work at.
 */
export class LifecycleVisibility {
  private indexedStage: LifecycleStage | undefined;
  private identityIndexed: boolean;

  constructor(private readonly lifecycle: LifecycleView) {
    // The client sets the identity and the first stage at start; a run after continue-as-new
    // inherits what the previous run indexed.
    const atStart = workflowInfo().typedSearchAttributes;
    this.indexedStage = atStart.get(STAGE) as LifecycleStage | undefined;
    this.identityIndexed = atStart.get(WORK_ITEM_ID) === lifecycle.state.workItemId;
  }

  private get state() {
    return this.lifecycle.state;
  }

  /** Moves the lifecycle to `stage`; `details` says what it does there, for the UI. */
  setStage(stage: LifecycleStage, details: string): void {
    if (this.wantsUpsert(stage)) this.upsert(stage);
    this.state.stage = stage;
    setCurrentDetails(`**${stage}** — ${details}\n\nwork item \`${this.state.workItemId}\``);
  }

  private wantsUpsert(stage: LifecycleStage): boolean {
    return !this.identityIndexed || indexesStage(this.indexedStage, stage);
  }

  private upsert(stage: LifecycleStage): void {
    const active = this.state.active;
    const waitingSince =
      stage === 'waiting-for-interview' && active?.waitingSince !== undefined
        ? new Date(active.waitingSince)
        : null;
    upsertSearchAttributes([
      ...(this.identityIndexed ? [] : this.identityAttributes()),
      { key: STAGE, value: stage },
      { key: WAITING_SINCE, value: waitingSince },
    ]);
    this.identityIndexed = true;
    this.indexedStage = stage;
  }

  /** For lifecycles started without them (the `temporal` CLI, another SDK). */
  private identityAttributes() {
    const { businessKey, tenancy } = this.lifecycle.options;
    return [
      { key: WORK_ITEM_ID, value: this.state.workItemId },
      ...(businessKey === undefined ? [] : [{ key: BUSINESS_KEY, value: businessKey }]),
      ...(tenancy === undefined ? [] : [{ key: TENANCY, value: tenancy }]),
    ];
  }
}

/**
 * Whether moving from the indexed stage to `next` writes the search attributes: where the
 * lifecycle comes to rest, and where it resumes work from a rest.
 */
export function indexesStage(indexed: LifecycleStage | undefined, next: LifecycleStage): boolean {
  return next !== indexed && (isAtRest(next) || isAtRest(indexed));
}

function isAtRest(stage: LifecycleStage | undefined): boolean {
  if (stage === 'waiting-for-interview' || stage === 'idle' || stage === 'needs-attention') return true;
  return stage !== undefined && isTerminal(stage);
}
