import { randomUUID } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import {
  AdvanceClient,
  type AdvanceDocument,
  type AssemblySession,
  type ResolvedAdvanceClientOptions,
  type WorkItemRequest,
} from '../advance';
import { GUID_PATTERN } from '../workflows/message-rules';
import type { CompletionEvidence } from './completion-timing';
import type { ProbeMode } from './mode';
import { ResponseRecorder, type RecordedExchange } from './recorder';

/** Every GUID in a text (the one GUID rule, unanchored). */
const GUIDS_IN_TEXT = new RegExp(GUID_PATTERN.source.slice(1, -1), 'gi');

export interface ProbeSettings {
  /** The tenancy, as the worker's configuration resolves it. */
  options: ResolvedAdvanceClientOptions;
  /** Its name in the configuration (a tenancies file's key). @default options.tenancy */
  tenancy?: string;
  /** @default 'safe' */
  mode?: ProbeMode;
  /** The work group and template package of the probe's work item: required unless `dry-run` (no default). */
  workGroupId?: string;
  templatePackageId?: string;
  /** Answers for the probe's work item and sessions (a template may need some to assemble). @default none */
  answerXml?: string;
  /** How long `complete` waits for the completed version to read `Completed`. @default 300_000 */
  completionWaitMs?: number;
  /** Send through this undici dispatcher (default: a keep-alive agent of the probe's own). */
  dispatcher?: Dispatcher;
  /** Names the probe's work item. @default now */
  startedAt?: Date;
}

/** What the checks learn and later checks build on. */
export interface ProbeState {
  loggedIn?: true;
  workItem?: WorkItemRequest;
  /** The first session, in progress until `saved`. */
  session?: AssemblySession;
  saved?: true;
  /** v2.0: the answer that finished the first session's Core interview. */
  finishedInterview?: RecordedExchange;
  /** The session begun to be completed (`complete` mode). */
  completionSession?: AssemblySession;
  completion?: CompletionEvidence;
  /** The completed version's documents, and the client that listed them. */
  documents?: { client: AdvanceClient; versionId: string; list: AdvanceDocument[] };
  /** A version assembled by CreateAndAssemble, and the client (CreateAndAssemble `on`) that did it. */
  assembled?: { client: AdvanceClient; versionId: string };
}

const MISSING: Record<keyof ProbeState, string> = {
  loggedIn: 'the login failed',
  workItem: "the probe's work item was not created",
  session: 'no session was begun',
  saved: 'the session was not saved',
  finishedInterview: "the session's interview was not finished",
  completionSession: 'no session was begun to be completed',
  completion: 'no session was completed',
  documents: 'no documents were listed',
  assembled: 'CreateAndAssemble did not assemble a version',
};

/** What each piece of state is learnt after, so a skip names the first step that failed. */
const AFTER: Partial<Record<keyof ProbeState, keyof ProbeState>> = {
  workItem: 'loggedIn',
  session: 'workItem',
  saved: 'session',
  completionSession: 'workItem',
  completion: 'completionSession',
  documents: 'completion',
  assembled: 'workItem',
};

/** Thrown by a check that cannot run because an earlier step did not succeed. */
export class ProbeSkip extends Error {}

export type Attempt<T> =
  | { ok: true; value: T; exchanges: RecordedExchange[] }
  | { ok: false; error: unknown; exchanges: RecordedExchange[] };

/**
 * One run of the probe against one tenancy: its Advance clients (all sending through one
 * recorder), the ids it chose, and what the checks have learnt so far.
 */
export class ProbeContext {
  readonly recorder: ResponseRecorder;
  /** The client as the worker would have it (the tenancy's own options). */
  readonly client: AdvanceClient;
  readonly state: ProbeState = {};
  readonly workItemId: string;
  readonly workItemName: string;
  /** When the probe started, to the second (ISO 8601). */
  readonly startedAt: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownAgent?: Agent;
  private readonly clients: AdvanceClient[] = [];
  /** Ids the probe chose, by the name the report shows instead (`{workItem}`, `{version1}`, …). */
  private readonly labels = new Map<string, string>();
  private versions = 0;

  constructor(readonly settings: ProbeSettings) {
    const { options } = settings;
    this.recorder = new ResponseRecorder(options.urls);
    if (settings.dispatcher === undefined) {
      this.ownAgent = new Agent({
        connect: { timeout: options.connectTimeoutMs },
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
        keepAliveTimeout: options.keepAliveTimeoutMs,
      });
    }
    this.dispatcher = this.recorder.wrap(settings.dispatcher ?? this.ownAgent!);
    this.client = this.newClient();
    this.workItemId = this.newId('workItem');
    this.startedAt = (settings.startedAt ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
    this.workItemName = `hotdocs-temporal advance-probe ${this.startedAt}`;
  }

  get mode(): ProbeMode {
    return this.settings.mode ?? 'safe';
  }

  /** The answers every session of the probe begins with (none unless given). */
  get answers(): { answerXml?: string } {
    const { answerXml } = this.settings;
    return answerXml === undefined ? {} : { answerXml };
  }

  /** The tenancy's client that has learnt nothing yet; `createAndAssemble` may be overridden. */
  newClient(overrides: Partial<Pick<ResolvedAdvanceClientOptions, 'createAndAssemble'>> = {}): AdvanceClient {
    const client = new AdvanceClient(
      { ...this.settings.options, ...overrides },
      { dispatcher: this.dispatcher },
    );
    this.clients.push(client);
    return client;
  }

  /** A new GUID, shown in the report as `{label}`. */
  newId(label: string): string {
    const id = randomUUID();
    this.label(id, label);
    return id;
  }

  /** Shows `id` as `{label}` in the report (ids differ from run to run; the report should not). */
  label(id: string, label: string): void {
    this.labels.set(id.toLowerCase(), `{${label}}`);
  }

  /** A new version GUID, shown as `{version1}`, `{version2}`, … in the order they are chosen. */
  newVersionId(): string {
    this.versions += 1;
    return this.newId(`version${this.versions}`);
  }

  /** Runs a call; returns its result or its error, with the exchanges it made. */
  async attempt<T>(call: () => Promise<T>): Promise<Attempt<T>> {
    const mark = this.recorder.mark();
    try {
      const value = await call();
      return { ok: true, value, exchanges: this.recorder.since(mark) };
    } catch (error) {
      return { ok: false, error, exchanges: this.recorder.since(mark) };
    }
  }

  /** What an earlier check learnt, or a `ProbeSkip` saying why it is missing. */
  need<K extends keyof ProbeState>(key: K): NonNullable<ProbeState[K]> {
    const value = this.state[key];
    if (value !== undefined) return value as NonNullable<ProbeState[K]>;
    let missing: keyof ProbeState = key;
    for (
      let before = AFTER[key];
      before !== undefined && this.state[before] === undefined;
      before = AFTER[before]
    )
      missing = before;
    throw new ProbeSkip(MISSING[missing]);
  }

  /** An exchange as the report shows it: the probe's ids by name, never a query's values. */
  describe(exchange: RecordedExchange): string {
    const path = exchange.path.replace(GUIDS_IN_TEXT, (id) => this.labels.get(id.toLowerCase()) ?? '{id}');
    return `${exchange.method} ${path} → ${exchange.status ?? 'no answer'}`;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
    await this.ownAgent?.close();
  }
}
