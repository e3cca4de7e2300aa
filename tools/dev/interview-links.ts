import type { Client } from '@temporalio/client';
import { STAGE } from '../../src/workflows/search-attributes';

export interface InterviewLinkOptions {
  temporal: Client;
  gatewayUrl: string;
  apiKey: string;
  emulatorUrl: string;
  /** Lifecycle pages in Temporal UI: `${uiBase}/<workflow id>`. */
  uiBase: string;
  temporalAddress: string;
  say: (line: string) => void;
  /** @default 2000 */
  intervalMs?: number;
}

interface GatewayInterview {
  versionId: string;
  coreSessionId: string;
  finishUrl: string;
}

/**
 * Prints the interview page of every lifecycle that comes to wait for its interview — the demo's,
 * and those started with the CLI, over the gateway or by any Temporal client — once per session.
 * The page is the emulator's, wired to the gateway's signed finish link, as a host application's
 * page would be.
 */
export class InterviewLinks {
  private readonly printed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(private readonly options: InterviewLinkOptions) {}

  /** Looks once now (resolving when done), then every `intervalMs` until `stop()`. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs ?? 2_000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  private poll(): Promise<void> {
    this.polling ??= this.printNew()
      // Temporal or the gateway may be restarting; the next round tries again.
      .catch(() => undefined)
      .finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async printNew(): Promise<void> {
    const query = `${STAGE.name} = "waiting-for-interview" AND ExecutionStatus = "Running"`;
    for await (const execution of this.options.temporal.workflow.list({ query })) {
      const interview = await this.interview(execution.workflowId);
      if (interview === undefined || this.printed.has(interview.versionId)) continue;
      this.printed.add(interview.versionId);
      this.print(execution.workflowId, interview);
    }
  }

  private print(lifecycleId: string, interview: GatewayInterview): void {
    const { emulatorUrl, uiBase, temporalAddress, say } = this.options;
    const page = `${emulatorUrl}/__emulator/interview/${interview.coreSessionId}?finishUrl=${encodeURIComponent(interview.finishUrl)}`;
    say('');
    say(`${lifecycleId} waits for its interview (session ${interview.versionId}):`);
    say(`  lifecycle in Temporal UI:  ${uiBase}/${encodeURIComponent(lifecycleId)}`);
    say(`  interview page:            ${page}`);
    say(`  or finish it from a shell:`);
    say(`    npx hotdocs-temporal complete-interview ${lifecycleId} --address ${temporalAddress}`);
  }

  /** The gateway's view of the waiting interview with a fresh finish link; undefined when none waits. */
  private async interview(lifecycleId: string): Promise<GatewayInterview | undefined> {
    const { gatewayUrl, apiKey } = this.options;
    const response = await fetch(`${gatewayUrl}/v1/assemblies/${encodeURIComponent(lifecycleId)}/interview`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    if (response.status === 409) return undefined;
    if (!response.ok) throw new Error(`gateway answered ${response.status} for ${lifecycleId}'s interview`);
    return (await response.json()) as GatewayInterview;
  }
}
