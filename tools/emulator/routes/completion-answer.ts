import type { AdvanceCall, AdvanceResponse } from '../advance-endpoint';
import type { CallbackEvent } from '../callback-sender';
import type { EmulatorRuntime } from '../emulator-runtime';
import { completedAt, type CompletionTiming } from '../work-item-store';
import type { VersionRecord, WorkItemRecord } from '../work-item-model';
import type { CallbackRequest } from './request-fields';
import { statusBody, statusPath, statusText, versionStatusJson } from './version-status-json';

/** The configured length of a v2.0 completion's phases. */
export function completionTiming(runtime: EmulatorRuntime): CompletionTiming {
  return {
    completingMs: runtime.behaviour.completingMs,
    postProcessingMs: runtime.behaviour.postProcessingMs,
    postProcessingOutcome: runtime.behaviour.postProcessingOutcome,
  };
}

/**
 * The answer to an accepted v2.0 Complete or CreateAndAssemble, per CreateAndAssemble's page
 * (and, by inference, Complete's): with a callbackUrl it answers at once and calls back when the
 * version is Completed; without one it waits up to `syncThresholdMs` for `Completed` and otherwise
 * answers `Completing` with the status URL to poll. `200` when Completed, else `202` (assumed).
 */
export function answerCompletion(
  runtime: EmulatorRuntime,
  call: AdvanceCall,
  item: WorkItemRecord,
  version: VersionRecord,
  callback: CallbackRequest | undefined,
): AdvanceResponse | Promise<AdvanceResponse> {
  const doneAt = completedAt(version) ?? Date.now();
  scheduleVersionWebhooks(runtime, item, version);
  if (callback !== undefined) {
    scheduleCallback(runtime, item, version, callback, 'VersionCompleted', doneAt);
    return versionAnswer(runtime, call, item, version);
  }
  if (doneAt <= Date.now()) return versionAnswer(runtime, call, item, version);
  const deadline = Date.now() + runtime.behaviour.syncThresholdMs;
  return waitUntil(runtime, Math.min(doneAt, deadline)).then(() =>
    versionAnswer(runtime, call, item, version),
  );
}

/** Waits until the clock reads `until` (timers may fire a millisecond early), or the emulator closes. */
async function waitUntil(runtime: EmulatorRuntime, until: number): Promise<void> {
  for (let left = until - Date.now(); left > 0; left = until - Date.now()) {
    if (!(await runtime.delay(left))) return;
  }
}

/** The version's current status: `200` once Completed (or for any state that is not completing), else `202` with the status URL. */
export function versionAnswer(
  runtime: EmulatorRuntime,
  call: AdvanceCall,
  item: WorkItemRecord,
  version: VersionRecord,
): AdvanceResponse {
  runtime.store.find(item.id); // brings the phases up to now
  const completing = completedAt(version) !== undefined;
  const statusUrl = completing ? statusPath(item.id, version.versionId) : undefined;
  const headers = completing ? { location: absoluteStatusUrl(runtime, call, item, version) } : undefined;
  const status = completing ? 202 : 200;
  if (runtime.behaviour.completeResponseBody === 'empty') return { status, headers };
  return {
    status,
    headers,
    ...statusBody(
      versionStatusJson(item, version, runtime.behaviour, statusUrl === undefined ? {} : { statusUrl }),
    ),
  };
}

/**
 * Advance's own webhooks for a version whose completion was just accepted (through the API or in
 * Advance's web app): PostProcessingEvent when its post-assembly processing starts, and
 * NewWorkItemVersionComplete when it reads Completed (not when the processing fails).
 */
export function scheduleVersionWebhooks(
  runtime: EmulatorRuntime,
  item: WorkItemRecord,
  version: VersionRecord,
): void {
  const now = Date.now();
  const processingFrom = version.completingUntil ?? now;
  const processingUntil = version.processingUntil ?? processingFrom;
  if (processingUntil > processingFrom)
    runtime.webhooks.schedule('PostProcessingEvent', item.id, version.versionId, processingFrom);
  if (version.postProcessingFails !== true)
    runtime.webhooks.schedule('NewWorkItemVersionComplete', item.id, version.versionId, processingUntil);
}

export function scheduleCallback(
  runtime: EmulatorRuntime,
  item: WorkItemRecord,
  version: VersionRecord,
  callback: CallbackRequest,
  event: CallbackEvent,
  dueAt: number,
): void {
  runtime.callbacks.schedule(
    {
      event,
      url: callback.url,
      ...(callback.secret !== undefined && { secret: callback.secret }),
      workItemId: item.id,
      versionId: version.versionId,
      dueAt,
      body: () => {
        // Reset may have cleared the model since: then there is nothing to report.
        if (runtime.store.find(item.id) !== item) return undefined;
        const status = statusText(version.status, runtime.behaviour);
        return {
          status,
          payload: { event, workItemId: item.id, versionId: version.versionId, status },
        };
      },
    },
    runtime.behaviour.callbackDelivery === 'send',
  );
}

function absoluteStatusUrl(
  runtime: EmulatorRuntime,
  call: AdvanceCall,
  item: WorkItemRecord,
  version: VersionRecord,
): string {
  const base = (call.request.url.split('?')[0] ?? '').split(/\/WorkItems\//i)[0] ?? '';
  return `${runtime.publicUrl}${base}/WorkItems/${statusPath(item.id, version.versionId)}`;
}
