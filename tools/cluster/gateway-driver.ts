import { lifecycleWorkflowId } from '../../src/workflows/message-rules';
import { sleep } from './managed-process';

/** Work group and template package of the test lifecycles (the emulator accepts any GUID). */
const WORK_GROUP_ID = '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11';
const TEMPLATE_PACKAGE_ID = '0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22';
const ANSWERS =
  '<AnswerSet><Answer name="Tenant"><TextValue>Ann Example</TextValue></Answer>' +
  '<Answer name="Rent"><NumValue>1250</NumValue></Answer></AnswerSet>';

/** Answers a business system would retry (on another gateway): the gateway or Temporal was away. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

export interface GatewayTraffic {
  /** Requests sent, by gateway URL. */
  requests: Record<string, number>;
  /** Requests that got no answer (connection refused or cut) or a retryable status, by reason. */
  retries: Record<string, number>;
  /** Requests cut while in flight: the socket closed before an answer (a gateway killed mid-request). */
  cutMidRequest: number;
  /** Requests being answered right now, by gateway URL. */
  inFlight: Record<string, number>;
}

/**
 * What a business system does against replicated gateways: every call goes to one of them, and a
 * call that gets no answer or a "try again" answer is sent again, to the next one, until the
 * deadline. Only idempotent calls are made (start by business key, reads, a finish link whose
 * second use is refused), so a repeat can never do anything twice.
 */
export class GatewayClient {
  readonly traffic: GatewayTraffic = { requests: {}, retries: {}, cutMidRequest: 0, inFlight: {} };

  constructor(
    private readonly gateways: readonly string[],
    private readonly apiKey: string,
    /** Epoch ms when every call gives up. */
    private readonly deadline: number,
  ) {
    for (const url of gateways) {
      this.traffic.requests[url] = 0;
      this.traffic.inFlight[url] = 0;
    }
  }

  /**
   * One call, first to gateway `prefer` (modulo their number), then to the others in turn.
   * `url` is a path (`/v1/...`) or a full URL on one of the gateways (a finish link).
   */
  async call(
    method: 'GET' | 'POST',
    url: string,
    options: { prefer?: number; body?: unknown; authenticated?: boolean; timeoutMs?: number } = {},
  ): Promise<{ status: number; body: Record<string, unknown>; gateway: string }> {
    const path = url.startsWith('http') ? new URL(url).pathname + new URL(url).search : url;
    const first = options.prefer ?? this.gateways.indexOf(url.startsWith('http') ? new URL(url).origin : '');
    for (let attempt = 0; ; attempt++) {
      if (Date.now() > this.deadline) throw new Error(`${method} ${redact(path)}: the run's deadline passed`);
      const gateway = this.gateways[(Math.max(first, 0) + attempt) % this.gateways.length] as string;
      this.traffic.requests[gateway] = (this.traffic.requests[gateway] ?? 0) + 1;
      this.traffic.inFlight[gateway] = (this.traffic.inFlight[gateway] ?? 0) + 1;
      let reason: string;
      try {
        const response = await fetch(`${gateway}${path}`, {
          method,
          headers: {
            ...(options.authenticated !== false && { authorization: `Bearer ${this.apiKey}` }),
            ...(options.body !== undefined && { 'content-type': 'application/json' }),
            accept: 'application/json',
          },
          ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 45_000),
        });
        const text = await response.text();
        if (!RETRYABLE_STATUSES.has(response.status)) {
          return { status: response.status, body: parseJson(text), gateway };
        }
        reason =
          `${response.status} ${String((parseJson(text)['error'] as { code?: unknown } | undefined)?.code ?? '')}`.trim();
      } catch (error) {
        reason = networkReason(error);
        if (reason === 'cut mid-request') this.traffic.cutMidRequest += 1;
      } finally {
        this.traffic.inFlight[gateway] = (this.traffic.inFlight[gateway] ?? 1) - 1;
      }
      this.traffic.retries[reason] = (this.traffic.retries[reason] ?? 0) + 1;
      await sleep(Math.min(200 * 2 ** Math.min(attempt, 4), 3_000) * (0.75 + Math.random() / 2));
    }
  }
}

export type LifecycleMode = 'interview' | 'batch';

export interface LifecyclePlan {
  index: number;
  mode: LifecycleMode;
  /** The part of a run it belongs to (a report groups by it). */
  phase: string;
  businessKey: string;
  /** The work item's name: lets the report find the lifecycle's work items in Advance. */
  workItemName: string;
}

export interface GatewayLifecycleOutcome {
  plan: LifecyclePlan;
  lifecycleId: string;
  workItemId?: string;
  end: 'completed' | 'failed' | 'stuck';
  error?: string;
  /** The versions the lifecycle reports as completed sessions. */
  completedVersions: string[];
  /** When the driver first posted the finish link of each interview session. */
  interviewsFinishedAt: Record<string, string>;
  seconds: number;
  /** Which gateway answered each call: a lifecycle's calls are spread over the replicas. */
  gatewaysUsed: string[];
}

export function planLifecycle(
  runTag: string,
  index: number,
  mode: LifecycleMode,
  phase: string,
): LifecyclePlan {
  return {
    index,
    mode,
    phase,
    businessKey: `cluster-${runTag}-${index}`,
    workItemName: `Cluster ${runTag} #${index}`,
  };
}

/**
 * One lifecycle, start to result, through the gateways only: start (idempotent by business key),
 * for an interview wait until it is waiting and post its signed finish link (as the browser's
 * Finish does), then long-poll the result. Consecutive steps go to different gateways.
 * `beforeFinish` lets a test hold interviews open (lifecycles parked while faults happen).
 */
export async function driveLifecycleThroughGateways(
  client: GatewayClient,
  plan: LifecyclePlan,
  hooks: { beforeFinish?: () => Promise<void>; onWaiting?: () => void } = {},
): Promise<GatewayLifecycleOutcome> {
  const startedAt = Date.now();
  const outcome: GatewayLifecycleOutcome = {
    plan,
    lifecycleId: lifecycleWorkflowId({ businessKey: plan.businessKey, workItem: {} }),
    end: 'stuck',
    completedVersions: [],
    interviewsFinishedAt: {},
    seconds: 0,
    gatewaysUsed: [],
  };
  let step = plan.index;
  const next = (): number => step++;
  try {
    const started = await client.call('POST', '/v1/assemblies', {
      prefer: next(),
      body: {
        businessKey: plan.businessKey,
        workItem: {
          name: plan.workItemName,
          workGroupId: WORK_GROUP_ID,
          templatePackageId: TEMPLATE_PACKAGE_ID,
        },
        answerXml: ANSWERS,
        mode: plan.mode,
      },
    });
    outcome.gatewaysUsed.push(started.gateway);
    expectStatus('start', started, [200, 201]);
    outcome.lifecycleId = String(started.body['id']);
    outcome.workItemId = String(started.body['workItemId']);
    const id = encodeURIComponent(outcome.lifecycleId);

    if (plan.mode === 'interview') {
      let interview: Record<string, unknown> | undefined;
      while (interview === undefined) {
        const answer = await client.call('GET', `/v1/assemblies/${id}/interview`, { prefer: next() });
        outcome.gatewaysUsed.push(answer.gateway);
        if (answer.status === 200) {
          interview = answer.body;
        } else if (answer.status === 409 && errorCode(answer.body) === 'no-interview-waiting') {
          await sleep(300);
        } else {
          expectStatus('interview', answer, [200]);
        }
      }
      hooks.onWaiting?.();
      await hooks.beforeFinish?.();
      const versionId = String(interview['versionId']);
      outcome.interviewsFinishedAt[versionId] = new Date().toISOString();
      // The link names the gateway that signed it; any replica accepts it (one shared secret).
      const finished = await client.call('POST', String(interview['finishUrl']), {
        prefer: next(),
        authenticated: false,
      });
      outcome.gatewaysUsed.push(finished.gateway);
      // 410 finish-link-used: an earlier attempt whose answer was lost had landed.
      if (!(finished.status === 410 && errorCode(finished.body) === 'finish-link-used')) {
        expectStatus('finish link', finished, [200]);
      }
    }

    for (;;) {
      const result = await client.call('GET', `/v1/assemblies/${id}/result?wait=true`, { prefer: next() });
      outcome.gatewaysUsed.push(result.gateway);
      if (result.status === 409 && errorCode(result.body) === 'lifecycle-still-running') continue;
      expectStatus('result', result, [200]);
      const sessions = (result.body['sessions'] as Array<{ versionId: string }> | undefined) ?? [];
      outcome.completedVersions = sessions.map((s) => s.versionId);
      outcome.end = result.body['outcome'] === 'completed' ? 'completed' : 'failed';
      if (outcome.end === 'failed') outcome.error = `outcome ${String(result.body['outcome'])}`;
      break;
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    outcome.end = /deadline passed/.test(message) ? 'stuck' : 'failed';
    outcome.error = message;
  }
  outcome.seconds = (Date.now() - startedAt) / 1000;
  return outcome;
}

function expectStatus(
  what: string,
  answer: { status: number; body: Record<string, unknown> },
  ok: number[],
): void {
  if (!ok.includes(answer.status)) {
    throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  }
}

function errorCode(body: Record<string, unknown>): string | undefined {
  const code = (body['error'] as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : { value };
  } catch {
    return { text: text.slice(0, 300) };
  }
}

/** Why a request got no answer: refused (the gateway is down) or cut (killed while answering). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (
    code === 'UND_ERR_SOCKET' ||
    code === 'ECONNRESET' ||
    /other side closed|socket/i.test(cause?.message ?? '')
  ) {
    return 'cut mid-request';
  }
  if ((error as Error).name === 'TimeoutError') return 'timeout';
  return `network: ${code || (error as Error).message}`;
}

/** Finish links carry a signed token in their path: never put one in a message. */
function redact(path: string): string {
  return path.replace(/\/v1\/finish\/[^/?]+/, '/v1/finish/…');
}
