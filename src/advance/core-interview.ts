import { describe, type FailureContext } from './classify';
import {
  AdvanceConflictError,
  AdvanceError,
  AdvanceNotFoundError,
  AdvanceUnsupportedError,
  AdvanceValidationError,
} from './errors';
import type { ResolvedAdvanceClientOptions } from './options';
import type { AdvanceTransport } from './transport';
import { apiPath } from './urls';
// The one GUID rule of the project's messages; dependency-free like this folder.
import { isGuid } from '../workflows/message-rules';

/** The interview whose Core session is finished: as `beginSession` returned it. */
export interface InterviewSessionRef {
  coreSessionId: string;
  interviewJsUrl: string;
}

export interface FinishInterviewOptions {
  signal?: AbortSignal;
  /** For errors and logs only: the Core call names neither. */
  workItemId?: string;
  versionId?: string;
}

/** The methods tried for `finishcurrentinterview`, in order: HotDocs does not name one. */
const FINISH_INTERVIEW_METHODS = ['POST', 'PUT'] as const;

/** A refusal that means "this Core session is finished or gone", in whatever words. */
const FINISHED_WORDING = /finish|complet|closed|ended|no longer|not found|does not exist|unknown session/i;

/**
 * v2.0's Core interview finish: `/ipi/session/<coreSessionId>/finishcurrentinterview` ("signals
 * that the interview session is complete and prepares CAS for assembly"), which HotDocs' interview
 * use case calls before Complete. Where the Core API lives, the method and the answer are not
 * documented: the Core origin is `coreUrl` when configured, else the `interviewJsUrl`'s; `POST` is
 * tried first and a `405` tries `PUT` once (remembered); any 2xx is success. The bearer token goes
 * only to `coreUrl` or to the API's own origin.
 */
export class CoreInterview {
  /** The method the Core API took, once it has answered. */
  private method?: (typeof FINISH_INTERVIEW_METHODS)[number];

  constructor(
    private readonly transport: AdvanceTransport,
    private readonly options: ResolvedAdvanceClientOptions,
    /** The protocol has the step (v2.0). */
    private readonly offered: boolean,
  ) {}

  async finish(session: InterviewSessionRef, options: FinishInterviewOptions = {}): Promise<void> {
    const { workItemId, versionId, signal } = options;
    const context = { operation: 'finishInterview' as const, workItemId, versionId };
    if (!this.offered) {
      throw new AdvanceUnsupportedError(
        `${describe(context)}: HotDocs Advance API ${this.options.apiVersion} has no Core interview finish step`,
        context,
      );
    }
    if (!isGuid(session.coreSessionId)) {
      throw new AdvanceValidationError(`${describe(context)}: coreSessionId is not a GUID`, context);
    }
    const core = this.origin(session.interviewJsUrl, context);
    const path = apiPath('ipi', 'session', session.coreSessionId, 'finishcurrentinterview');
    const methods = this.method === undefined ? FINISH_INTERVIEW_METHODS : [this.method];
    for (const [i, method] of methods.entries()) {
      try {
        const response = await this.transport.exchangeAt({
          ...context,
          signal,
          method,
          path,
          url: `${core.base}/${path}`,
          trusted: core.trusted,
        });
        await response.body.dump();
        this.method = method;
        return;
      } catch (error) {
        const last = i === methods.length - 1;
        if (last || !(error instanceof AdvanceError && error.status === 405)) throw error;
      }
    }
  }

  /** `finish`, where a refusal as finished before is fine (a version just created by this client). */
  async finishUnlessFinished(session: InterviewSessionRef, options: FinishInterviewOptions): Promise<void> {
    await this.finish(session, options).catch((error: unknown) => {
      if (!refusedAsFinished(error)) throw error;
    });
  }

  /** The Core API's base, and whether the bearer token may go there. */
  private origin(interviewJsUrl: string, context: FailureContext): { base: string; trusted: boolean } {
    if (this.options.coreUrl !== undefined) return { base: this.options.coreUrl, trusted: true };
    if (
      typeof interviewJsUrl !== 'string' ||
      !/^https?:\/\//i.test(interviewJsUrl) ||
      !URL.canParse(interviewJsUrl)
    ) {
      throw new AdvanceValidationError(
        `${describe(context)}: interviewJsUrl is not an absolute http(s) URL, so the Core API's origin is unknown ` +
          '(set coreUrl / ADVANCE_CORE_URL)',
        context,
      );
    }
    const origin = new URL(interviewJsUrl).origin;
    return { base: origin, trusted: origin === new URL(this.options.urls.apiBase).origin };
  }
}

/**
 * A refusal of the finish that means the interview is finished already, or its session gone: 404,
 * 409, 410, or a 400 saying so. Auth, throttling and 5xx keep their meaning.
 */
export function refusedAsFinished(error: unknown): boolean {
  if (error instanceof AdvanceConflictError || error instanceof AdvanceNotFoundError) return true;
  if (!(error instanceof AdvanceError)) return false;
  if (error.status === 410) return true;
  return (
    error instanceof AdvanceValidationError &&
    error.status === 400 &&
    FINISHED_WORDING.test(error.serverMessage ?? '')
  );
}
