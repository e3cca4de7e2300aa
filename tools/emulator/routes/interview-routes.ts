import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { answerDisplayValues } from '../answers/answer-display';
import type { EmulatorRuntime } from '../emulator-runtime';
import { CONTROL_BASE_PATH } from '../endpoints';
import { EmulatorHttpError } from '../http-error';
import { renderInterviewPage, renderInterviewUnavailablePage } from '../interview/interview-page';
import { renderInterviewScript } from '../interview/interview-script';
import { interviewSession, type InterviewSession } from '../interview/interview-session';
import { parseJsonText } from '../json-body';
import type { VersionRecord, WorkItemRecord } from '../work-item-model';
import { describeZodIssues } from '../zod-issues';

const answersPostSchema = z.object({ answers: z.record(z.string(), z.string()) });

/**
 * The stand-in for the HotDocs browser interview: interview.js (what `interviewJsUrl` points at),
 * a standalone page, and the answers post that Finish sends before the finish-URL form post.
 * Host pages on other origins load the script and post answers, so these routes allow CORS.
 */
export function registerInterviewRoutes(app: FastifyInstance, runtime: EmulatorRuntime): void {
  const base = `${CONTROL_BASE_PATH}/interview/:coreSessionId`;

  app.get<{ Params: { coreSessionId: string }; Querystring: { finishUrl?: string } }>(
    base,
    async (request, reply) => {
      allowCors(reply);
      const found = inProgressSession(runtime, request.params.coreSessionId);
      if (typeof found === 'string') {
        return reply.code(404).type('text/html; charset=utf-8').send(renderInterviewUnavailablePage(found));
      }
      const session = sessionView(runtime, found);
      const queryFinishUrl = typeof request.query.finishUrl === 'string' ? request.query.finishUrl : '';
      // The page's Finish navigates to this URL: a javascript: or data: one would run script on
      // this origin, so only http(s) is taken.
      if (queryFinishUrl !== '' && !isHttpUrl(queryFinishUrl)) {
        return reply
          .code(400)
          .type('text/html; charset=utf-8')
          .send(renderInterviewUnavailablePage('finishUrl must be an absolute http(s) URL'));
      }
      const finishUrl = queryFinishUrl !== '' ? queryFinishUrl : session.finishUrl;
      return reply.type('text/html; charset=utf-8').send(renderInterviewPage(session, finishUrl));
    },
  );

  app.get<{ Params: { coreSessionId: string } }>(`${base}/interview.js`, async (request, reply) => {
    allowCors(reply);
    reply.type('text/javascript; charset=utf-8');
    const found = inProgressSession(runtime, request.params.coreSessionId);
    // Browsers do not run scripts served with an error status, so the body is only a hint.
    if (typeof found === 'string') return reply.code(404).send(`/* ${found.replace(/\*\//g, '* /')} */\n`);
    return reply.send(renderInterviewScript(sessionView(runtime, found)));
  });

  app.post<{ Params: { coreSessionId: string } }>(`${base}/answers`, async (request, reply) => {
    allowCors(reply);
    const found = inProgressSession(runtime, request.params.coreSessionId);
    if (typeof found === 'string') throw EmulatorHttpError.notFound(found);
    const raw = typeof request.body === 'string' ? request.body : '';
    const parsed = answersPostSchema.safeParse(parseJsonText(raw === '' ? '{}' : raw));
    if (!parsed.success) {
      throw EmulatorHttpError.badRequest(`Invalid answers:\n${describeZodIssues(parsed.error)}`);
    }
    runtime.store.updateSessionAnswers(found.version, parsed.data.answers);
    runtime.log(
      `interview answers updated for work item ${found.item.id}, version ${found.version.versionId}`,
    );
    return {
      workItemId: found.item.id,
      versionId: found.version.versionId,
      answers: Object.fromEntries(
        answerDisplayValues(found.version.answers).map(({ name, value }) => [name, value]),
      ),
    };
  });

  app.options(`${base}/answers`, async (_request, reply) => {
    allowCors(reply);
    return reply
      .code(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'content-type')
      .send();
  });
}

function inProgressSession(
  runtime: EmulatorRuntime,
  coreSessionId: string,
): { item: WorkItemRecord; version: VersionRecord } | string {
  const found = runtime.store.findSession(coreSessionId);
  if (found === undefined) return `No interview session ${coreSessionId} exists`;
  if (found.version.status !== 'InProgress') {
    return `The interview session ${coreSessionId} is no longer in progress (its version is ${found.version.status})`;
  }
  return found;
}

function sessionView(
  runtime: EmulatorRuntime,
  found: { item: WorkItemRecord; version: VersionRecord },
): InterviewSession {
  const coreSessionId = found.version.session.coreSessionId;
  const ids = { workItemId: found.item.id, versionId: found.version.versionId, coreSessionId };
  return interviewSession({
    ...found,
    finishUrl: runtime.interviewFinishUrl(ids) ?? null,
    pageUrl: runtime.interviewPageUrl(coreSessionId),
  });
}

function allowCors(reply: FastifyReply): void {
  reply.header('access-control-allow-origin', '*');
}

/** An absolute http: or https: URL (the only kind a Finish may be posted to). */
function isHttpUrl(text: string): boolean {
  return URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);
}
