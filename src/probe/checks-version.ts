import { AdvanceConflictError, type VersionState, type VersionStatus } from '../advance';
import {
  bodyOf,
  exchangeOf,
  httpText,
  listShape,
  named,
  statusCase,
  statusShape,
  statusSpelling,
} from './answers';
import type { Finding, ProbeCheck } from './check';
import { failed } from './checks-session';
import type { Attempt, ProbeContext } from './context';

/**
 * The v2.0 reads of the first session's version, in progress and then saved: its status (shape and
 * spelling), the list filtered by status, and its documents before it is completed.
 */

const STATUS_PATH = /\/Status$/i;

function readStatus(probe: ProbeContext): Promise<Attempt<VersionState>> {
  const session = probe.need('session');
  return probe.attempt(() => probe.client.readVersionStatus(session.workItemId, session.versionId));
}

/** `"InProgress": read as InProgress`, with a finding when the client read something else. */
function statusFinding(attempt: Attempt<VersionState>, expected: VersionStatus): Finding {
  if (!attempt.ok) return failed(attempt);
  const spelt = statusSpelling(bodyOf(exchangeOf(attempt, STATUS_PATH))) ?? '(none)';
  const read = attempt.value.status;
  const observed = `"${spelt}", read as ${read}`;
  if (read === expected) return { observed, handled: true };
  return {
    observed,
    handled: false,
    note: `the version is ${expected} here: the client misreads the status`,
  };
}

export const versionStatusShape: ProbeCheck = {
  id: 'version-status-shape',
  title: "read the version's status (how the answer is shaped)",
  mode: 'safe',
  protocols: ['v2.0'],
  mirrors: { switch: 'statusShape', values: ['object', 'pascal-object', 'string'] },
  async run(probe) {
    const attempt = await readStatus(probe);
    const finding = statusFinding(attempt, 'InProgress');
    const { shape, text } = statusShape(bodyOf(exchangeOf(attempt, STATUS_PATH)));
    return {
      ...finding,
      observed: `${text}: ${finding.observed}`,
      ...named(shape, 'the emulator shapes a status as { status }, { Status } or a bare string only'),
    };
  },
};

export const versionStatusSpelling: ProbeCheck = {
  id: 'version-status-spelling',
  title: 'how a status is spelt (a session in progress)',
  mode: 'safe',
  protocols: ['v2.0'],
  mirrors: { switch: 'statusCase', values: ['pascal', 'lower', 'upper'] },
  async run(probe) {
    const attempt = await readStatus(probe);
    const finding = statusFinding(attempt, 'InProgress');
    const spelt = statusSpelling(bodyOf(exchangeOf(attempt, STATUS_PATH)));
    const value = spelt === undefined ? undefined : statusCase(spelt, 'InProgress');
    return {
      ...finding,
      ...named(value, 'the emulator spells a status InProgress, inprogress or INPROGRESS only'),
    };
  },
};

export const versionList: ProbeCheck = {
  id: 'version-list',
  title: 'list the versions in progress (?filter=InProgress)',
  mode: 'safe',
  protocols: ['v2.0'],
  mirrors: { switch: 'versionListShape', values: ['array', 'wrapped'] },
  async run(probe) {
    const session = probe.need('session');
    const attempt = await probe.attempt(() =>
      probe.client.listVersions(session.workItemId, { status: 'InProgress' }),
    );
    const list = exchangeOf(attempt, /\/Versions(\?|$)/i);
    // The lifecycle lists versions only to name the one in its way in an error message.
    const note = 'the client lists versions only to name another session in an error message';
    if (!attempt.ok) return { ...failed(attempt), handled: true, note };
    const { shape, text } = listShape(bodyOf(list));
    const listed = attempt.value.some((version) => version.versionId === session.versionId);
    return {
      observed: `${httpText(list)}: ${text}, ${listed ? 'listing' : 'not listing'} the session in progress`,
      handled: true,
      ...(shape !== undefined && { value: shape }),
      ...((shape === undefined || !listed) && { note }),
      ...(shape === undefined && { unnamed: 'the emulator wraps lists in "items" only' }),
    };
  },
};

export const documentsBeforeCompleted: ProbeCheck = {
  id: 'documents-before-completed',
  title: 'list the documents of a version that is not completed',
  mode: 'safe',
  protocols: ['v2.0'],
  mirrors: { switch: 'documentsBeforeCompleted', values: ['conflict', 'empty'] },
  async run(probe) {
    const session = probe.need('session');
    const attempt = await probe.attempt(() =>
      probe.client.listDocuments(session.workItemId, { versionId: session.versionId }),
    );
    const scoped = exchangeOf(attempt, /\/Versions\/[^/]+\/Documents$/i);
    // The lifecycle lists documents only once the version reads Completed.
    const note = 'the client lists documents only once the version reads Completed';
    if (scoped?.status === 404) {
      return {
        observed: `${httpText(scoped)}: no version-scoped document path, or none before completion`,
        handled: true,
        note,
        unnamed:
          'a 404 comes from a server without version-scoped document paths, or one that hides them until ' +
          'the version is completed (the emulator does not): "completed-documents" (--complete) tells which',
      };
    }
    if (!attempt.ok) {
      const refused = attempt.error instanceof AdvanceConflictError;
      return refused
        ? {
            observed: `${httpText(scoped)}: refused until the version is completed`,
            handled: true,
            value: 'conflict',
          }
        : { ...failed(attempt), handled: true, note };
    }
    if (attempt.value.length === 0) {
      return { observed: `${httpText(scoped)}: an empty list`, handled: true, value: 'empty' };
    }
    return {
      observed: `${httpText(scoped)}: documents of a version in progress`,
      handled: true,
      note,
      unnamed: 'the emulator lists none before completion',
    };
  },
};

export const statusAfterSave: ProbeCheck = {
  id: 'status-after-save',
  title: "read the saved version's status",
  mode: 'safe',
  protocols: ['v2.0'],
  async run(probe) {
    probe.need('saved');
    return statusFinding(await readStatus(probe), 'Saved');
  },
};
