import {
  AdvanceConflictError,
  AdvanceNotFoundError,
  AdvanceSessionNotRecoverableError,
  ensureSessionBegun,
  ensureVersionSaved,
  ensureWorkItemCreated,
  type AdvanceApiVersion,
  type AssemblySession,
} from '../advance';
import {
  bodyOf,
  exchangeOf,
  failureText,
  httpText,
  isObject,
  keyOf,
  listShape,
  named,
  namedStatus,
} from './answers';
import type { Finding, ProbeCheck } from './check';
import type { Attempt, ProbeContext } from './context';

/**
 * The checks every protocol shares: log in and read (`dry-run`), then the probe's own work item and
 * one session begun and saved (`safe`). Each asks one open question of docs/advance-api and
 * docs/advance-v2.md.
 */

const BOTH: readonly AdvanceApiVersion[] = ['v1.1', 'v2.0'];
const SESSION_PATH = /^WorkItems\/[^/]+\/Versions\/[^/]+$/i;
const SAVE_PATH = /\/(SaveSession|SaveAndClose)$/i;
/** The emulator's values of the status switches (tools/emulator/behaviour.ts). */
const CREATE_STATUSES = [200, 201, 204];
const IN_PROGRESS_STATUSES = [409, 400, 423];
const NOT_IN_PROGRESS_STATUSES = [409, 400, 404];

export function failed(attempt: Attempt<unknown> & { ok: false }, note?: string): Finding {
  return { observed: failureText(attempt.error), handled: false, ...(note !== undefined && { note }) };
}

export const login: ProbeCheck = {
  id: 'login',
  title: 'log in as the service principal',
  mode: 'dry-run',
  protocols: BOTH,
  async run(probe) {
    const attempt = await probe.attempt(() => probe.client.acquireToken());
    if (!attempt.ok) return failed(attempt);
    probe.state.loggedIn = true;
    const token = attempt.value;
    const minutes = Math.round((Date.parse(token.expiresAt) - Date.parse(token.obtainedAt)) / 60_000);
    if (token.expirySource === 'jwt') {
      return { observed: `a JWT whose exp says it lasts about ${minutes} min`, handled: true };
    }
    return {
      observed: 'a token without a readable expiry',
      handled: true,
      note:
        `the client renews it after the configured life span (${probe.settings.options.tokenLifetimeSeconds} s, ` +
        'tokenLifetimeSeconds): it must not exceed the API client\'s "token life span" in Advance',
    };
  },
};

export const readUnknownWorkItem: ProbeCheck = {
  id: 'read-unknown-work-item',
  title: 'read a work item that does not exist',
  mode: 'dry-run',
  protocols: BOTH,
  async run(probe) {
    probe.need('loggedIn');
    const unknown = probe.newId('unknownWorkItem');
    const attempt = await probe.attempt(() => probe.client.getWorkItem(unknown));
    if (attempt.ok) return { observed: `${httpText(attempt.exchanges[0])} with a work item`, handled: false };
    if (attempt.error instanceof AdvanceNotFoundError) {
      return {
        observed: `${httpText(exchangeOf(attempt, /^WorkItems\//i))}: read as not found`,
        handled: true,
      };
    }
    return failed(attempt);
  },
};

export const createWorkItem: ProbeCheck = {
  id: 'create-work-item',
  title: "create the probe's work item",
  mode: 'safe',
  protocols: BOTH,
  mirrors: { switch: 'createSuccessStatus', values: CREATE_STATUSES },
  async run(probe) {
    probe.need('loggedIn');
    const { workGroupId, templatePackageId, answerXml } = probe.settings;
    if (workGroupId === undefined || templatePackageId === undefined) {
      return { observed: 'not asked: no work group and template package given', handled: false };
    }
    const item = {
      id: probe.workItemId,
      workGroupId,
      templatePackageId,
      name: probe.workItemName,
      description:
        'Created by hotdocs-temporal advance-probe to learn how this tenancy answers. Advance documents ' +
        'no way to delete a work item over its API: remove it in Advance when done.',
      ...(answerXml !== undefined && { answerXml }),
    };
    const attempt = await probe.attempt(() => probe.client.createWorkItem(item));
    if (!attempt.ok) return failed(attempt);
    probe.state.workItem = item;
    const create = exchangeOf(attempt, /^WorkItems\/[^/]+$/i);
    const parts = [
      bodyOf(create) === undefined ? 'without a body' : 'with the work item',
      ...(create?.location !== undefined ? ['and a Location header'] : []),
    ];
    return {
      observed: `${httpText(create)} ${parts.join(' ')}`,
      handled: true,
      ...namedStatus(create, CREATE_STATUSES),
    };
  },
};

export const repeatCreate: ProbeCheck = {
  id: 'repeat-create',
  title: 'create it again with the same id (a retried create)',
  mode: 'safe',
  protocols: BOTH,
  mirrors: { switch: 'duplicateCreate', values: ['conflict', 'noop', 'update'] },
  async run(probe) {
    const item = probe.need('workItem');
    // Another description, so that an answer which applies the repeat shows it.
    const again = { ...item, description: `${item.description} (sent again)` };
    const attempt = await probe.attempt(() => ensureWorkItemCreated(probe.client, again));
    if (!attempt.ok) return failed(attempt);
    const repeat = exchangeOf(attempt, /^WorkItems\/[^/]+$/i);
    if (attempt.value.outcome === 'already-existed') {
      return {
        observed: `${httpText(repeat)}: refused as already existing`,
        handled: true,
        value: 'conflict',
      };
    }
    const shown = attempt.value.workItem ?? (await probe.client.getWorkItem(item.id));
    const updated = shown.description === again.description;
    return {
      observed: `${httpText(repeat)}: accepted, and the work item ${updated ? 'took the new description' : 'kept its own'}`,
      handled: true,
      value: updated ? 'update' : 'noop',
    };
  },
};

/** Begins a new session (v2.0: version) of the probe's work item, with the probe's answers. */
export function beginNewSession(probe: ProbeContext): Promise<Attempt<AssemblySession>> {
  const item = probe.need('workItem');
  const versionId = probe.newVersionId();
  return probe.attempt(() => probe.client.beginSession(item.id, versionId, probe.answers));
}

export const beginSession: ProbeCheck = {
  id: 'begin-session',
  title: 'begin a session (v2.0: create a work item version)',
  mode: 'safe',
  protocols: BOTH,
  async run(probe) {
    const attempt = await beginNewSession(probe);
    if (!attempt.ok) return failed(attempt);
    probe.state.session = attempt.value;
    return {
      observed: `${httpText(exchangeOf(attempt, SESSION_PATH))} with hdaSessionId, coreSessionId and interviewJsUrl`,
      handled: true,
    };
  },
};

export const repeatBegin: ProbeCheck = {
  id: 'repeat-begin',
  title: 'begin the same session again (a retried begin)',
  mode: 'safe',
  protocols: BOTH,
  mirrors: { switch: 'repeatBegin', values: ['conflict', 'idempotent'] },
  async run(probe) {
    const session = probe.need('session');
    const attempt = await probe.attempt(() =>
      ensureSessionBegun(probe.client, session.workItemId, session.versionId),
    );
    const repeat = exchangeOf(attempt, SESSION_PATH);
    const value = repeat?.status !== undefined && repeat.status < 300 ? 'idempotent' : 'conflict';
    const said = value === 'idempotent' ? 'answered with the session' : 'refused as a session in progress';
    if (attempt.ok) return { observed: `${httpText(repeat)}: ${said}`, handled: true, value };
    if (attempt.error instanceof AdvanceSessionNotRecoverableError) {
      return {
        observed: `${httpText(repeat)}: ${said}, and Advance does not give its interview data back`,
        handled: true,
        value,
        note: 'a lifecycle whose begin answer was lost saves that session and begins a new one',
      };
    }
    return failed(attempt);
  },
};

export const secondSession: ProbeCheck = {
  id: 'second-session',
  title: 'begin another session while one is in progress',
  mode: 'safe',
  protocols: BOTH,
  mirrors: { switch: 'sessionInProgressStatus', values: IN_PROGRESS_STATUSES },
  async run(probe) {
    const session = probe.need('session');
    const versionId = probe.newVersionId();
    const attempt = await probe.attempt(() =>
      ensureSessionBegun(probe.client, session.workItemId, versionId),
    );
    const begin = attempt.exchanges.find((exchange) => exchange.path.includes(versionId));
    if (attempt.ok) {
      return {
        observed: `${httpText(begin)}: a second session began beside the first`,
        handled: false,
        note: 'the client assumes one session in progress per work item, as HotDocs documents for v1.1',
      };
    }
    if (!(attempt.error instanceof AdvanceConflictError) || attempt.error.reason !== 'session-in-progress') {
      return failed(attempt, 'the client does not read this answer as "a session is in progress"');
    }
    return {
      observed: `${httpText(begin)}: refused as "a session is in progress"`,
      handled: true,
      ...namedStatus(begin, IN_PROGRESS_STATUSES),
    };
  },
};

export const workItemSession: ProbeCheck = {
  id: 'work-item-session',
  title: 'read the work item while the session is in progress',
  mode: 'safe',
  protocols: BOTH,
  mirrors: { switch: 'exposeActiveSession', values: [true, false] },
  async run(probe) {
    const session = probe.need('session');
    const attempt = await probe.attempt(() => probe.client.getWorkItem(session.workItemId));
    if (!attempt.ok) return failed(attempt);
    const body = bodyOf(exchangeOf(attempt, /^WorkItems\/[^/]+$/i));
    const key = keyOf(body, 'activeSession');
    const shown = key !== undefined && isObject(body) && isObject(body[key]);
    if (!shown) {
      return {
        observed: 'it does not show the session in progress (no activeSession)',
        handled: true,
        value: false,
        note: 'a lifecycle whose begin answer was lost saves that session and begins a new one',
      };
    }
    const readable = attempt.value.activeSession?.versionId === session.versionId;
    return {
      observed: readable
        ? 'it shows the session in progress with its interview data (activeSession)'
        : 'it shows an activeSession the client cannot read as this session',
      handled: true,
      value: readable,
    };
  },
};

export const workItemVersions: ProbeCheck = {
  id: 'work-item-versions',
  title: "read the work item's versions",
  mode: 'safe',
  protocols: BOTH,
  mirrors: { switch: 'exposeVersions', values: [true, false] },
  async run(probe) {
    const session = probe.need('session');
    const attempt = await probe.attempt(() => probe.client.getWorkItem(session.workItemId));
    if (!attempt.ok) return failed(attempt);
    const listed = attempt.value.versions;
    if (listed === undefined) {
      return {
        observed: 'it lists no versions',
        handled: true,
        value: false,
        note: 'v1.1: a retried CompleteSession is then confirmed by the documents it listed',
      };
    }
    const ours = listed.find((version) => version.versionId === session.versionId);
    return {
      observed: `it lists its versions with their status (this session: ${ours?.status ?? 'not listed'})`,
      handled: true,
      value: true,
    };
  },
};

export const workItemDocuments: ProbeCheck = {
  id: 'work-item-documents',
  title: "list the work item's documents (none assembled yet)",
  mode: 'safe',
  protocols: BOTH,
  mirrors: { switch: 'documentListShape', values: ['array', 'wrapped'] },
  async run(probe) {
    const item = probe.need('workItem');
    const attempt = await probe.attempt(() => probe.client.listDocuments(item.id));
    const list = exchangeOf(attempt, /^WorkItems\/[^/]+\/Documents$/i);
    if (!attempt.ok) {
      const v2 = probe.client.capabilities.versionStatus;
      if (v2 && attempt.error instanceof AdvanceNotFoundError) {
        return {
          observed: `${httpText(list)}: the work item's document path is missing`,
          handled: true,
          note: 'on v2.0 the client lists a version\'s own documents first (see "completed-documents")',
          unnamed: "the emulator always serves the work item's document path",
        };
      }
      return failed(attempt);
    }
    const { shape, text } = listShape(bodyOf(list));
    return {
      observed: `${httpText(list)}: ${text}`,
      handled: true,
      ...named(shape, 'the emulator wraps lists in "items" only'),
    };
  },
};

export const saveSession: ProbeCheck = {
  id: 'save-session',
  title: 'save the session (v1.1 SaveSession, v2.0 SaveAndClose)',
  mode: 'safe',
  protocols: BOTH,
  mirrors: { switch: 'completeResponseBody', values: ['status', 'empty'], protocols: ['v2.0'] },
  async run(probe) {
    const session = probe.need('session');
    const attempt = await probe.attempt(() =>
      probe.client.saveSession(session.workItemId, { versionId: session.versionId }),
    );
    if (!attempt.ok) return failed(attempt);
    probe.state.saved = true;
    const save = exchangeOf(attempt, SAVE_PATH);
    if (!probe.client.capabilities.versionStatus) return { observed: httpText(save), handled: true };
    const body = bodyOf(save);
    return {
      observed: `${httpText(save)} ${body === undefined ? 'without a body' : "with the version's status"}`,
      handled: true,
      value: body === undefined ? 'empty' : 'status',
    };
  },
};

export const saveAgain: ProbeCheck = {
  id: 'save-again',
  title: 'save it again (nothing in progress any more)',
  mode: 'safe',
  protocols: BOTH,
  mirrors: { switch: 'noActiveSessionStatus', values: NOT_IN_PROGRESS_STATUSES },
  async run(probe) {
    const session = probe.need('session');
    probe.need('saved');
    const attempt = await probe.attempt(() =>
      ensureVersionSaved(probe.client, session.workItemId, session.versionId),
    );
    if (!attempt.ok) return failed(attempt, 'the client does not read this answer as "nothing in progress"');
    const save = exchangeOf(attempt, SAVE_PATH);
    if (attempt.value.outcome === 'saved') {
      return {
        observed: `${httpText(save)}: accepted again`,
        handled: true,
        unnamed: 'the emulator refuses a second save',
      };
    }
    return {
      observed: `${httpText(save)}: refused as "not in progress"`,
      handled: true,
      ...namedStatus(save, NOT_IN_PROGRESS_STATUSES),
    };
  },
};
