import { Agent, type Dispatcher } from 'undici';
import type { AdvanceApiVersion } from '../../src/advance';
import { emulatorBehaviourFile, renderReport } from '../../src/probe';
import { emulatorHarness } from '../support/emulator-harness';
import { probeEmulator } from '../support/probe-harness';

/**
 * The probe never prints the password, a token or answer XML — in its text, its JSON or the
 * emulator configuration it writes — though it logs in with the password, is given tokens and
 * sends the answers (recognisable values, each checked to have been used).
 */

const harness = emulatorHarness();
const PASSWORD = 'Pr0be-recognisable-password!';
const MARKER = 'answer-marker-9d41c7';
const ANSWER_XML = `<AnswerSet><Answer name="Probe marker"><TextValue>${MARKER}</TextValue></Answer></AnswerSet>`;

/** An agent that notes every token the auth service hands out, as the test's own witness. */
function tokenWitness(tokens: string[]): Dispatcher {
  return new Agent().compose((dispatch) => (options, handler) => {
    if (!options.path.includes('ServicePrincipalLogIn')) return dispatch(options, handler);
    const chunks: Buffer[] = [];
    return dispatch(options, {
      onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
      onResponseStart: (controller, status, headers, message) =>
        handler.onResponseStart?.(controller, status, headers, message),
      onResponseData: (controller, chunk) => {
        chunks.push(chunk);
        handler.onResponseData?.(controller, chunk);
      },
      onResponseEnd: (controller, trailers) => {
        tokens.push(Buffer.concat(chunks).toString('utf8').trim());
        handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError: (controller, error) => handler.onResponseError?.(controller, error),
    });
  });
}

test.each<AdvanceApiVersion>(['v1.1', 'v2.0'])(
  '%s: no password, token or answer XML in any output',
  async (api) => {
    const { emulator } = await harness.start({ principalPassword: PASSWORD });
    const tokens: string[] = [];
    const dispatcher = tokenWitness(tokens);
    try {
      const report = await probeEmulator(emulator, api, 'complete', { answerXml: ANSWER_XML, dispatcher });
      expect(report.handled).toBe(true);
      const outputs = [
        renderReport(report),
        JSON.stringify(report),
        JSON.stringify(emulatorBehaviourFile(report)),
      ];

      // The secrets were used: the probe logged in, got tokens, and the answers reached Advance.
      expect(tokens.length).toBeGreaterThan(0);
      expect(tokens.every((token) => token.length > 20)).toBe(true);
      expect(emulator.logins().succeeded).toBe(tokens.length);
      expect(JSON.stringify(emulator.state)).toContain(MARKER);

      for (const output of outputs) {
        expect(output).not.toContain(PASSWORD);
        expect(output).not.toContain(MARKER);
        expect(output).not.toContain('AnswerSet');
        for (const token of tokens) expect(output).not.toContain(token);
      }
    } finally {
      await dispatcher.close();
    }
  },
);
