import { checkAnswerXml } from './answer-xml';
import { describe, type FailureContext } from './classify';
import { AdvanceValidationError, AnswerXmlError } from './errors';
import { checkGuids } from './guid-checks';
import type { AdvanceProtocol } from './protocol';
import type { ResolvedAdvanceClientOptions } from './options';
import { header } from './response-body';
import type { AdvanceTransport, RawResponse } from './transport';

/**
 * v2.0's answer set of a work item (`AnswerSet/Content`, shared/advance-api-v2.md §8): read, and
 * replaced, which Advance allows while the work item's version is Saved, Completed or
 * PostProcessingFailed (otherwise a conflict or validation error). Both directions are checked
 * like every answer XML the client sends: no DTD, an `AnswerSet`, at most `maxAnswerXmlBytes`.
 * The protocol builds the requests; on v1.1 they are `AdvanceUnsupportedError` before anything
 * is sent.
 */
export class AnswerSets {
  constructor(
    private readonly transport: AdvanceTransport,
    private readonly protocol: AdvanceProtocol,
    private readonly options: ResolvedAdvanceClientOptions,
  ) {}

  /**
   * The answer XML. Advance may answer the XML itself or a JSON string holding it (not
   * documented: docs/advance-v2.md, assumptions); either is read.
   */
  async read(workItemId: string, options: { signal?: AbortSignal } = {}): Promise<string> {
    const context = { operation: 'readAnswerSet' as const, workItemId };
    checkGuids(context, { workItemId });
    const request = this.protocol.readAnswerSet(context, workItemId);
    const response = await this.transport.exchange({ ...context, ...options, ...request });
    // A JSON string escapes some characters: room for that, then the XML's own limit below.
    const text = await readCappedText(response, this.options.maxAnswerXmlBytes * 2, context);
    const xml = /json/i.test(header(response, 'content-type') ?? '') ? answerXmlOfJson(text, context) : text;
    checkAnswerXml(xml, { maxBytes: this.options.maxAnswerXmlBytes, context });
    return xml;
  }

  /** Puts `answerXml` as the answer set; repeating it puts the same content again. */
  async replace(
    workItemId: string,
    answerXml: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const context = { operation: 'replaceAnswerSet' as const, workItemId };
    checkGuids(context, { workItemId });
    checkAnswerXml(answerXml, { maxBytes: this.options.maxAnswerXmlBytes, context });
    const request = this.protocol.replaceAnswerSet(context, workItemId, answerXml);
    const response = await this.transport.exchange({ ...context, ...options, ...request });
    await response.body.dump();
  }
}

/**
 * A body read whole, refused once it passes `maxBytes` (an answer set is small; a runaway body
 * must not fill the worker's memory).
 */
async function readCappedText(
  response: RawResponse,
  maxBytes: number,
  context: FailureContext,
): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of response.body) {
    bytes += (chunk as Buffer).length;
    if (bytes > maxBytes) {
      response.body.destroy();
      throw new AnswerXmlError(`the answer set Advance sent exceeds ${maxBytes} bytes`, context);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** An answer set sent as JSON: a string holding the XML. */
function answerXmlOfJson(text: string, context: FailureContext): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value === 'string') return value;
  throw new AdvanceValidationError(
    `${describe(context)}: the answer set came as JSON, but not as a string holding answer XML`,
    context,
  );
}
