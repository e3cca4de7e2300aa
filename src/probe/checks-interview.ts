import { ensureInterviewFinished, type AdvanceApiVersion } from '../advance';
import { bodyOf, exchangeOf, httpText } from './answers';
import type { ProbeCheck } from './check';
import { failed } from './checks-session';

/**
 * v2.0's Core interview finish (`/ipi/session/<coreSessionId>/finishcurrentinterview`), on the
 * probe's first session while it is in progress: which method the Core API takes, how it answers,
 * and how it answers a repeat (docs/advance-v2.md, "Assumptions").
 */

const V2: readonly AdvanceApiVersion[] = ['v2.0'];
const FINISH_PATH = /\/finishcurrentinterview$/i;
/** The emulator's `repeatFinishInterview` positions that refuse, by the status they answer. */
const REPEAT_REFUSALS: Readonly<Record<number, string>> = { 409: 'conflict', 404: 'not-found', 410: 'gone' };

export const finishInterview: ProbeCheck = {
  id: 'finish-interview',
  title: "finish the session's Core interview (v2.0 interview use case)",
  mode: 'safe',
  protocols: V2,
  mirrors: { switch: 'finishInterviewMethod', values: ['POST', 'PUT'] },
  async run(probe) {
    const session = probe.need('session');
    const attempt = await probe.attempt(() =>
      probe.client.finishInterview(session, { workItemId: session.workItemId, versionId: session.versionId }),
    );
    if (!attempt.ok) return failed(attempt, 'set ADVANCE_CORE_URL if the Core API lives elsewhere');
    const finishes = attempt.exchanges.filter((exchange) => FINISH_PATH.test(exchange.path));
    const taken = finishes[finishes.length - 1];
    if (taken === undefined) return { observed: 'no finish request was recorded', handled: false };
    probe.state.finishedInterview = taken;
    const refused = finishes.length > 1 ? `${finishes[0]?.method} answered ${httpText(finishes[0])}; ` : '';
    const method = taken.method === 'PUT' ? 'PUT' : 'POST';
    return { observed: `${refused}${method} answered ${httpText(taken)}`, handled: true, value: method };
  },
};

export const finishInterviewAnswer: ProbeCheck = {
  id: 'finish-interview-answer',
  title: "the Core interview finish's answer",
  mode: 'safe',
  protocols: V2,
  mirrors: { switch: 'finishInterviewAnswer', values: ['empty', 'json'] },
  async run(probe) {
    const finished = probe.need('finishedInterview');
    const body = bodyOf(finished);
    return body === undefined
      ? { observed: `${httpText(finished)} without a body`, handled: true, value: 'empty' }
      : { observed: `${httpText(finished)} with a body`, handled: true, value: 'json' };
  },
};

export const repeatFinishInterview: ProbeCheck = {
  id: 'repeat-finish-interview',
  title: 'finish the same interview again (a retried finish)',
  mode: 'safe',
  protocols: V2,
  mirrors: { switch: 'repeatFinishInterview', values: ['ok', 'conflict', 'not-found', 'gone'] },
  async run(probe) {
    probe.need('finishedInterview');
    const session = probe.need('session');
    const attempt = await probe.attempt(() => ensureInterviewFinished(probe.client, session));
    const repeat = exchangeOf(attempt, FINISH_PATH);
    if (!attempt.ok) return failed(attempt, 'a retried finish would stop the lifecycle for an operator');
    if (attempt.value.outcome === 'finished') {
      return { observed: `${httpText(repeat)}: accepted again`, handled: true, value: 'ok' };
    }
    const status = repeat?.status;
    const value = status === undefined ? undefined : REPEAT_REFUSALS[status];
    return {
      observed: `${httpText(repeat)}: refused as finished before`,
      handled: true,
      ...(value !== undefined
        ? { value }
        : { unnamed: 'a 400 saying so; the emulator refuses with 409, 404 or 410' }),
    };
  },
};
