import type { GatewayApiKey } from '../config';
import type { CompletedSessionStatus, LifecycleResult, LifecycleStatus } from '../client';
import { hasPermission } from './scopes';

/**
 * What a status or result shows the key that asks. `read` is enough to follow a lifecycle, not to
 * reach what it points at elsewhere: a document's store reference (`file:///…`, `s3://…`,
 * where it lies in the store) only to keys with `documents`, which may download it anyway; an
 * active session's interview (Advance's session ids and interview script) only to keys with
 * `interview`, which may fetch it anyway. Both fields are optional in the published schemas,
 * which say why they may be absent.
 */
export function statusFor<T extends LifecycleStatus>(key: GatewayApiKey, status: T): T {
  const showReferences = hasPermission(key, 'documents');
  const showInterview = hasPermission(key, 'interview');
  if (showReferences && showInterview) return status;
  const shown = { ...status, completedSessions: sessionsFor(showReferences, status.completedSessions) };
  if (status.activeSession !== undefined && !showInterview) {
    const { interview: _interview, ...activeSession } = status.activeSession;
    shown.activeSession = activeSession;
  }
  return shown;
}

export function resultFor<T extends LifecycleResult>(key: GatewayApiKey, result: T): T {
  const showReferences = hasPermission(key, 'documents');
  return showReferences ? result : { ...result, sessions: sessionsFor(false, result.sessions) };
}

function sessionsFor(showReferences: boolean, sessions: CompletedSessionStatus[]): CompletedSessionStatus[] {
  if (showReferences) return sessions;
  return sessions.map((session) => ({
    ...session,
    documents: session.documents.map(({ reference: _reference, ...document }) => document),
  }));
}
