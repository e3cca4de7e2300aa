import type { AddressInfo } from 'node:net';
import type { EmulatorBehaviour, EmulatorBehaviourPatch } from './behaviour';
import type { DuplicateRecord } from './duplicate-log';
import { EmulatorRuntime } from './emulator-runtime';
import type { CallbackDelivery } from './callback-sender';
import { API_BASE_PATHS_BY_VERSION, AUTH_BASE_PATHS, CONTROL_BASE_PATH, type ApiVersion } from './endpoints';
import type { FaultsConfig } from './fault-config';
import type { ActiveFaults, InjectedFault } from './fault-injector';
import { normaliseGuid } from './guid';
import type { LoginCounts } from './login-tally';
import { resolveEmulatorOptions, type EmulatorOptions } from './options';
import type { EndpointCounts, RequestLogEntry } from './request-log';
import { buildEmulatorServer } from './server';
import { readStateFile, StateFileWriter } from './state-file';
import { webhookConfigSchema, type WebhookConfigInput, type WebhookDelivery } from './webhook-sender';
import { workItemSnapshot, type EmulatorStateSnapshot, type WorkItemSnapshot } from './work-item-model';

export { DEFAULT_BEHAVIOUR } from './behaviour';
export { CALLBACK_SIGNATURE_HEADER } from './callback-sender';
export type { CallbackDelivery, CallbackEvent } from './callback-sender';
export type { EmulatorBehaviour, EmulatorBehaviourPatch } from './behaviour';
export type { DuplicateOutcome, DuplicateRecord } from './duplicate-log';
export { API_VERSIONS, ENDPOINT_NAMES } from './endpoints';
export type { ApiVersion, EndpointName } from './endpoints';
export type { FaultKind, FaultRule, FaultsConfig, ScriptedFault } from './fault-config';
export type { ActiveFaults, InjectedFault } from './fault-injector';
export type { LoginCounts } from './login-tally';
export { WEBHOOK_EVENTS } from './webhook-sender';
export type { WebhookConfigInput, WebhookDelivery, WebhookEvent } from './webhook-sender';
export { EmulatorOptionsError } from './options';
export type { EmulatorLogger, EmulatorOptions } from './options';
export type { EndpointCount, EndpointCounts, RequestFaultSummary, RequestLogEntry } from './request-log';
export type { ActiveSessionJson, SessionJson, WorkItemJson } from './routes/work-item-json';
export type {
  DocumentMetadata,
  EmulatorStateSnapshot,
  VersionSnapshot,
  VersionStatus,
  WorkItemSnapshot,
} from './work-item-model';

export interface EmulatorEndpoints {
  /** REST API base, e.g. `http://127.0.0.1:40123/api/rest/v1.1`. */
  baseUrl: string;
  /** Auth service base, e.g. `http://127.0.0.1:40123/auth`. */
  authUrl: string;
}

export interface EmulatorCredentials {
  clientName: string;
  principalName: string;
  principalPassword: string;
}

export interface RunningEmulator {
  /** Listening origin, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Cloud-shaped URLs: `/api/rest/v1.1` and `/auth`. */
  readonly cloud: EmulatorEndpoints;
  /** On-premise-shaped URLs: `/HdaApi/rest/v1.1` and `/HdaAuth`. */
  readonly onPremise: EmulatorEndpoints;
  /** Both shapes per API version: `apis['v2.0'].cloud.baseUrl` ends in `/api/rest/v2.0`. */
  readonly apis: Readonly<Record<ApiVersion, { cloud: EmulatorEndpoints; onPremise: EmulatorEndpoints }>>;
  /** Base of the inspection and control endpoints (`/__emulator`). */
  readonly controlUrl: string;
  readonly credentials: EmulatorCredentials;
  /** A fresh snapshot of the model on every read (work items, versions, document metadata). */
  readonly state: EmulatorStateSnapshot;
  workItem(id: string): WorkItemSnapshot | undefined;
  /** The bytes of an assembled document, as a download would return them. */
  documentContent(workItemId: string, documentId: string): Buffer | undefined;
  /** Replaces the fault configuration and restarts the PRNG; throws on invalid input. */
  setFaults(faults: FaultsConfig): ActiveFaults;
  faults(): ActiveFaults;
  injectedFaults(): InjectedFault[];
  /**
   * Ends every injected delay under way (latency faults, `reset-then-apply` waits): the held
   * requests go on at once. Returns how many were released.
   */
  releaseDelayedRequests(): number;
  /** Merges a partial behaviour; throws on invalid input. */
  setBehaviour(patch: EmulatorBehaviourPatch): EmulatorBehaviour;
  behaviour(): EmulatorBehaviour;
  /** Invalidates every token issued so far. */
  expireTokens(): void;
  /**
   * Runs a `PostProcessingFailed` version's post-assembly processing again, successfully, as an
   * administrator does in Advance: it reads `Completed`. False when it was not in that status.
   */
  rerunPostProcessing(workItemId: string, versionId: string): boolean;
  /** Rotates the service principal's password: logins with the old one are refused from now on. */
  setPrincipalPassword(password: string): void;
  /** Clears state, counters, logs, faults and tokens; keeps the options and credentials. */
  reset(): void;
  requests(): RequestLogEntry[];
  counts(): EndpointCounts;
  logins(): LoginCounts;
  duplicates(): DuplicateRecord[];
  /** Callbacks scheduled by v2.0 Complete, CreateAndAssemble and SaveAndClose, with their outcome. */
  callbacks(): CallbackDelivery[];
  /**
   * Registers Advance's own webhook, as an administrator does ("Create a Webhook"), or removes it
   * (undefined); throws on invalid input.
   */
  registerWebhook(config: WebhookConfigInput | undefined): void;
  /** The posts of Advance's own webhook, with their outcome. */
  webhooks(): WebhookDelivery[];
  /**
   * Completes an in-progress version as a user does in Advance's own web app: no API call, the
   * webhook fires. False when the version is unknown or not in progress.
   */
  completeInAdvance(workItemId: string, versionId: string): boolean;
  /** Stops listening and destroys open connections (keep-alive included). */
  close(): Promise<void>;
}

/**
 * Starts a local HotDocs Advance emulator. Options are validated (unknown keys rejected) and the
 * returned promise rejects with `EmulatorOptionsError` listing every problem.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const resolved = resolveEmulatorOptions(options);
  const runtime = new EmulatorRuntime(resolved);
  const app = buildEmulatorServer(runtime);
  const stateFile = persistTo(resolved.stateFile, runtime, app);
  try {
    await app.listen({ port: resolved.port, host: resolved.host });
  } catch (error) {
    runtime.close();
    await app.close();
    throw error;
  }

  const address = app.server.address() as AddressInfo;
  const url = `http://${hostForUrl(resolved.host)}:${address.port}`;
  runtime.publicUrl = resolved.publicUrl ?? url;

  const shapes = (version: ApiVersion) => ({
    cloud: {
      baseUrl: `${url}${API_BASE_PATHS_BY_VERSION[version][0]}`,
      authUrl: `${url}${AUTH_BASE_PATHS[0]}`,
    },
    onPremise: {
      baseUrl: `${url}${API_BASE_PATHS_BY_VERSION[version][1]}`,
      authUrl: `${url}${AUTH_BASE_PATHS[1]}`,
    },
  });
  const apis = { 'v1.1': shapes('v1.1'), 'v2.0': shapes('v2.0') };

  let closing: Promise<void> | undefined;
  return {
    url,
    cloud: apis['v1.1'].cloud,
    onPremise: apis['v1.1'].onPremise,
    apis,
    controlUrl: `${url}${CONTROL_BASE_PATH}`,
    credentials: {
      clientName: resolved.clientName,
      principalName: resolved.principalName,
      principalPassword: resolved.principalPassword,
    },
    get state(): EmulatorStateSnapshot {
      return { workItems: runtime.store.snapshot() };
    },
    workItem: (id) => {
      const item = runtime.store.find(normaliseGuid(id));
      return item === undefined ? undefined : workItemSnapshot(item);
    },
    documentContent: (workItemId, documentId) => {
      const item = runtime.store.find(normaliseGuid(workItemId));
      const document = item && runtime.store.findDocument(item, normaliseGuid(documentId));
      return document === undefined ? undefined : Buffer.from(document.content);
    },
    setFaults: (faults) => runtime.setFaults(faults),
    faults: () => runtime.faults.active(),
    injectedFaults: () => runtime.faults.injectedFaults(),
    releaseDelayedRequests: () => runtime.releaseDelays(),
    setBehaviour: (patch) => runtime.setBehaviour(patch),
    behaviour: () => ({ ...runtime.behaviour }),
    expireTokens: () => runtime.tokens.expireAll(),
    rerunPostProcessing: (workItemId, versionId) => {
      const item = runtime.store.find(normaliseGuid(workItemId));
      return item !== undefined && runtime.store.rerunPostProcessing(item, normaliseGuid(versionId));
    },
    setPrincipalPassword: (password) => {
      runtime.principalPassword = password;
    },
    reset: () => runtime.reset(),
    requests: () => runtime.requestLog.list(),
    counts: () => runtime.requestLog.counts(),
    logins: () => runtime.logins.snapshot(),
    duplicates: () => runtime.duplicates.list(),
    callbacks: () => runtime.callbacks.list(),
    registerWebhook: (config) =>
      runtime.webhooks.configure(config === undefined ? undefined : webhookConfigSchema.parse(config)),
    webhooks: () => runtime.webhooks.list(),
    completeInAdvance: (workItemId, versionId) =>
      runtime.completeInAdvance(workItemId, versionId) !== undefined,
    close: () => {
      closing ??= (async () => {
        runtime.close();
        await app.close();
        stateFile?.flush();
      })();
      return closing;
    },
  };
}

/** Loads the state file, and saves it after every request that may have changed something. */
function persistTo(
  file: string | undefined,
  runtime: EmulatorRuntime,
  app: ReturnType<typeof buildEmulatorServer>,
): StateFileWriter | undefined {
  if (file === undefined) return undefined;
  const saved = readStateFile(file);
  if (saved !== undefined) {
    runtime.store.importState(saved);
    runtime.log(`state: ${saved.items.length} work item(s) from ${file}`);
  }
  const writer = new StateFileWriter(file, () => runtime.store.exportState());
  app.addHook('onResponse', async (request) => {
    if (request.method !== 'GET') writer.changed();
  });
  return writer;
}

/** A host usable in a URL: wildcard addresses become loopback, IPv6 literals get brackets. */
function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
