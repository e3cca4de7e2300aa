import type { FastifyReply } from 'fastify';
import { isWaitingForInterview, type LifecycleStatus } from '../client';
import type { GatewayApiKey } from '../config';
import type { GatewayContext } from './context';
import { GatewayError } from './errors';
import { hasPermission } from './scopes';

/** The interview a host page shows, with a newly signed single-use finish link. */
export interface InterviewLink {
  id: string;
  workItemId: string;
  versionId: string;
  coreSessionId: string;
  interviewJsUrl: string;
  finishUrl: string;
  expiresAt: string;
}

/**
 * Signs a finish link for the session the lifecycle waits for (message-rules.ts); `409
 * no-interview-waiting` when it waits for none.
 */
export function signedInterviewLink(
  context: GatewayContext,
  id: string,
  status: LifecycleStatus,
): InterviewLink {
  const session = status.activeSession;
  if (session?.interview === undefined || !isWaitingForInterview(status.stage, session)) {
    throw new GatewayError(
      'no-interview-waiting',
      `Lifecycle "${id}" is not waiting for an interview (stage: ${status.stage})`,
    );
  }
  const now = Date.now();
  // A link outliving the interview deadline would only ever be refused: end it there.
  const deadline = session.deadlineAt === undefined ? Infinity : Date.parse(session.deadlineAt);
  const expiresAtMs = Math.min(now + context.config.finishLinkTtlMs, deadline);
  const { token } = context.finishLinks.sign({ lifecycleId: id, versionId: session.versionId, expiresAtMs });
  return {
    id,
    workItemId: status.workItemId,
    versionId: session.versionId,
    coreSessionId: session.interview.coreSessionId,
    interviewJsUrl: session.interview.interviewJsUrl,
    finishUrl: context.links.finish(token),
    expiresAt: new Date(expiresAtMs).toISOString(),
  };
}

/**
 * `POST /v1/assemblies?wait=interview`: the begun interview's link once the session has begun, or
 * nothing when none is waiting once the wait ends (a batch, or the wait limit passed).
 */
export async function interviewAfterStart(
  context: GatewayContext,
  id: string,
  key: GatewayApiKey,
  reply: FastifyReply,
): Promise<InterviewLink | undefined> {
  const options = { limitMs: context.config.waitLimitMs, closing: context.closing };
  const status = await context.interviewWaits.untilBegun(id, key.name, undefined, reply, options);
  return isWaitingForInterview(status.stage, status.activeSession)
    ? signedInterviewLink(context, id, status)
    : undefined;
}

/** The link is what the interview permission guards: a start that asks for it needs it too. */
export function requireInterviewPermission(key: GatewayApiKey): void {
  if (!hasPermission(key, 'interview')) {
    throw new GatewayError(
      'forbidden',
      `API key "${key.name}" does not have the permission "interview" that ?wait=interview needs`,
    );
  }
}
