import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { truncate } from '../workflows/message-rules';
import { AnswerXmlError, type AdvanceErrorContext } from './errors';

/**
 * Local checks of HotDocs answer XML before it is sent to Advance (which rejects an invalid answer
 * set only after a round trip, and whose parser we do not control). A strict, non-validating XML
 * parser (saxes) reads it; we refuse DTDs outright, so entity expansion ("billion laughs") and
 * external entities can never happen, and check the `AnswerSet` structure on the way.
 */

export const DEFAULT_MAX_ANSWER_XML_BYTES = 1024 * 1024;
const MAX_DEPTH = 32;

/** Value elements of a HotDocs answer file. */
const SCALAR_VALUES = new Set(['TextValue', 'NumValue', 'DateValue', 'TFValue']);
const CONTAINER_VALUES = new Set(['MCValue', 'RptValue']);

export interface AnswerXmlSummary {
  /** Number of `Answer` elements. */
  answers: number;
  /** The answer names, in document order. */
  names: string[];
  bytes: number;
}

export interface AnswerXmlCheckOptions {
  maxBytes?: number;
  /** Which call the XML belongs to, for the error's context. */
  context?: Omit<AdvanceErrorContext, 'status' | 'serverMessage' | 'cause'>;
}

/** Signals the first problem out of the saxes callbacks. */
class StopParsing extends Error {
  constructor(
    readonly problem: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(problem);
  }
}

/**
 * Checks answer XML and returns a short summary, or throws `AnswerXmlError` naming the first
 * problem and its line and column (1-based).
 */
export function checkAnswerXml(xml: unknown, options: AnswerXmlCheckOptions = {}): AnswerXmlSummary {
  const context = options.context ?? { operation: 'beginSession' as const };
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ANSWER_XML_BYTES;
  if (typeof xml !== 'string') {
    throw new AnswerXmlError(`expected a string, got ${xml === null ? 'null' : typeof xml}`, context);
  }
  const bytes = Buffer.byteLength(xml, 'utf8');
  if (bytes > maxBytes) {
    throw new AnswerXmlError(`${bytes} bytes exceeds the limit of ${maxBytes} bytes`, context);
  }
  if (xml.trim() === '') {
    throw new AnswerXmlError('it is empty; send no answer XML at all, or an <AnswerSet>', context);
  }

  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: string[] = [];
  const names: string[] = [];
  const seen = new Set<string>();
  let rootSeen = false;
  let valueText = '';
  let valuesInAnswer = 0;
  // Position of the last token, 1-based: saxes reports the position *after* the token.
  function stop(problem: string): never {
    throw new StopParsing(problem, parser.line, parser.column + 1);
  }

  parser.on('error', (err) => {
    // saxes prefixes its own position ("1:5: "); we report position separately.
    stop(err.message.replace(/^\d+:\d+:\s*/, ''));
  });
  parser.on('doctype', () => stop('a DOCTYPE is not allowed (no DTDs or entity declarations)'));
  parser.on('processinginstruction', (pi) => stop(`processing instruction <?${pi.target}?> is not allowed`));
  parser.on('cdata', (data) => {
    if (!isScalarValue(stack.at(-1))) stop('CDATA is only allowed inside a value element');
    valueText += data;
  });
  parser.on('text', (text) => {
    if (isScalarValue(stack.at(-1))) {
      valueText += text;
    } else if (text.trim() !== '') {
      stop(`unexpected text inside <${stack.at(-1) ?? 'document'}>`);
    }
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const parent = stack.at(-1);
    checkElement(tag, parent, stack.length);
    if (tag.name === 'Answer') {
      const name = tag.attributes['name'];
      if (typeof name !== 'string' || name.trim() === '') stop('<Answer> needs a non-empty name attribute');
      if (seen.has(name)) stop(`answer "${quoted(name)}" appears twice`);
      seen.add(name);
      names.push(name);
    }
    if (tag.name === 'AnswerSet') rootSeen = true;
    if (tag.name === 'Answer') valuesInAnswer = 0;
    if (parent === 'Answer') valuesInAnswer += 1;
    stack.push(tag.name);
    valueText = '';
  });
  parser.on('closetag', (tag: SaxesTagPlain) => {
    if (tag.name === 'Answer') {
      if (valuesInAnswer === 0) stop(`answer "${quoted(names.at(-1) ?? '')}" has no value element`);
      if (valuesInAnswer > 1) stop(`answer "${quoted(names.at(-1) ?? '')}" has more than one value element`);
    }
    const answer = names.at(-1) ?? '';
    if (tag.name === 'NumValue' && !isUnanswered(tag)) checkNumber(valueText.trim(), answer, stop);
    if (tag.name === 'TFValue' && !isUnanswered(tag)) checkBoolean(valueText.trim(), answer, stop);
    stack.pop();
  });

  function checkElement(tag: SaxesTagPlain, parent: string | undefined, depth: number): void {
    if (depth >= MAX_DEPTH) stop(`elements are nested deeper than ${MAX_DEPTH} levels`);
    const name = tag.name;
    if (parent === undefined) {
      if (name !== 'AnswerSet') stop(`the root element must be <AnswerSet>, not <${name}>`);
      return;
    }
    if (parent === 'AnswerSet') {
      if (name !== 'Answer') stop(`<AnswerSet> may only contain <Answer> elements, not <${name}>`);
      return;
    }
    if (parent === 'Answer') {
      if (!isValueElement(name)) stop(`unknown value element <${name}> in an <Answer>`);
      return;
    }
    if (parent === 'MCValue') {
      if (name !== 'SelValue') stop(`<MCValue> may only contain <SelValue> elements, not <${name}>`);
      return;
    }
    if (parent === 'RptValue') {
      if (!isValueElement(name)) stop(`unknown value element <${name}> in an <RptValue>`);
      return;
    }
    stop(`<${parent}> cannot contain elements (found <${name}>)`);
  }

  try {
    parser.write(xml).close();
  } catch (error) {
    if (error instanceof StopParsing) {
      throw new AnswerXmlError(error.problem, { ...context, line: error.line, column: error.column });
    }
    throw error;
  }
  if (!rootSeen) throw new AnswerXmlError('no <AnswerSet> element', context);
  return { answers: names.length, names, bytes };
}

function isValueElement(name: string): boolean {
  return SCALAR_VALUES.has(name) || CONTAINER_VALUES.has(name);
}

function isScalarValue(name: string | undefined): boolean {
  return name !== undefined && (SCALAR_VALUES.has(name) || name === 'SelValue');
}

function isUnanswered(tag: SaxesTagPlain): boolean {
  return tag.attributes['unans'] === 'true' || tag.isSelfClosing;
}

// Messages name the answer, never its value: answers are personal data and errors reach logs.
function checkNumber(text: string, answer: string, stop: (problem: string) => never): void {
  if (text === '' || !Number.isFinite(Number(text)))
    stop(`<NumValue> of answer "${quoted(answer)}" is not a number`);
}

function checkBoolean(text: string, answer: string, stop: (problem: string) => never): void {
  if (text !== 'true' && text !== 'false')
    stop(`<TFValue> of answer "${quoted(answer)}" is not true or false`);
}

/** An answer's name as a message quotes it: 40 characters and the ellipsis at most. */
function quoted(name: string): string {
  return truncate(name, 41);
}
