import { SaxesParser, type SaxesTagPlain } from 'saxes';
import {
  isScalarValueElement,
  isValueElement,
  type AnswerSet,
  type AnswerValue,
  type Attributes,
} from './answer-set';

/** The first problem in an answer XML document, with where saxes was when it found it. */
export class AnswerXmlError extends Error {
  constructor(
    readonly problem: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${line}:${column}: ${problem}`);
    this.name = 'AnswerXmlError';
  }
}

type Frame =
  | { kind: 'answerSet'; set: AnswerSet }
  | { kind: 'answer'; name: string; attributes: Attributes; value?: AnswerValue }
  | { kind: 'scalar'; value: Extract<AnswerValue, { text: string }> }
  | { kind: 'choices'; value: Extract<AnswerValue, { selections: string[] }> }
  | { kind: 'selection'; text: string }
  | { kind: 'repeat'; value: Extract<AnswerValue, { items: AnswerValue[] }> };

/**
 * Parses answer XML strictly: it must be well-formed XML (saxes), have no DOCTYPE (so no entity
 * tricks), and follow the AnswerSet > Answer[name] > value-element structure. Throws
 * `AnswerXmlError` with the first problem and its line:column.
 */
export function parseAnswerXml(xml: string): AnswerSet {
  const parser = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  const stack: Frame[] = [];
  let result: AnswerSet | undefined;
  const names = new Set<string>();

  const fail = (problem: string): never => {
    parser.fail(problem);
    throw new Error('unreachable: saxes throws without an error handler');
  };

  parser.on('doctype', () => fail('DOCTYPE declarations are not allowed in answer XML'));

  parser.on('opentag', (tag: SaxesTagPlain) => {
    const attributes: Attributes = { ...tag.attributes };
    const parent = stack[stack.length - 1];
    if (parent === undefined) {
      if (tag.name !== 'AnswerSet') fail(`the root element must be <AnswerSet>, found <${tag.name}>`);
      result = { attributes, answers: [] };
      stack.push({ kind: 'answerSet', set: result });
      return;
    }
    switch (parent.kind) {
      case 'answerSet': {
        if (tag.name !== 'Answer')
          fail(`<AnswerSet> may contain only <Answer> elements, found <${tag.name}>`);
        const name = (attributes.name ?? '').trim();
        if (name === '') fail('<Answer> needs a non-empty name attribute');
        if (names.has(name)) fail(`the answer "${name}" appears more than once`);
        names.add(name);
        stack.push({ kind: 'answer', name, attributes });
        return;
      }
      case 'answer':
        if (parent.value !== undefined) fail(`the answer "${parent.name}" has more than one value element`);
        stack.push(openValue(tag.name, attributes, `the answer "${parent.name}"`));
        return;
      case 'repeat':
        stack.push(openValue(tag.name, attributes, '<RptValue>'));
        return;
      case 'choices':
        if (tag.name !== 'SelValue')
          fail(`<MCValue> may contain only <SelValue> elements, found <${tag.name}>`);
        stack.push({ kind: 'selection', text: '' });
        return;
      case 'scalar':
        return fail(`<${parent.value.element}> may contain only text, found <${tag.name}>`);
      case 'selection':
        return fail(`<SelValue> may contain only text, found <${tag.name}>`);
    }
  });

  const onText = (text: string): void => {
    const top = stack[stack.length - 1];
    if (top?.kind === 'scalar') top.value.text += text;
    else if (top?.kind === 'selection') top.text += text;
    else if (top !== undefined && text.trim() !== '') fail(`unexpected text "${text.trim().slice(0, 40)}"`);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);

  parser.on('closetag', () => {
    const frame = stack.pop();
    const parent = stack[stack.length - 1];
    if (frame === undefined || parent === undefined) return;
    if (frame.kind === 'answer') {
      if (frame.value === undefined) fail(`the answer "${frame.name}" has no value element`);
      else if (parent.kind === 'answerSet') {
        parent.set.answers.push({ name: frame.name, attributes: frame.attributes, value: frame.value });
      }
      return;
    }
    if (frame.kind === 'selection') {
      if (parent.kind === 'choices') parent.value.selections.push(frame.text);
      return;
    }
    if (frame.kind === 'answerSet') return;
    if (parent.kind === 'answer') parent.value = frame.value;
    else if (parent.kind === 'repeat') parent.value.items.push(frame.value);
  });

  function openValue(name: string, attributes: Attributes, where: string): Frame {
    if (!isValueElement(name)) {
      return fail(
        `${where} must hold one of <TextValue>, <NumValue>, <DateValue>, <TFValue>, <MCValue>, <RptValue>, found <${name}>`,
      );
    }
    if (isScalarValueElement(name)) return { kind: 'scalar', value: { element: name, attributes, text: '' } };
    if (name === 'MCValue') return { kind: 'choices', value: { element: name, attributes, selections: [] } };
    return { kind: 'repeat', value: { element: 'RptValue', attributes, items: [] } };
  }

  try {
    parser.write(xml).close();
  } catch (error) {
    throw toAnswerXmlError(error, parser);
  }
  if (result === undefined) throw new AnswerXmlError('the document has no <AnswerSet> element', 1, 1);
  return result;
}

// saxes prefixes its messages with "line:column: "; split them back into parts.
function toAnswerXmlError(error: unknown, parser: { line: number; column: number }): AnswerXmlError {
  const message = error instanceof Error ? error.message : String(error);
  const match = /^(\d+):(\d+): ([\s\S]*)$/.exec(message);
  if (match?.[1] !== undefined && match[2] !== undefined && match[3] !== undefined) {
    return new AnswerXmlError(match[3], Number(match[1]), Number(match[2]));
  }
  return new AnswerXmlError(message, parser.line, parser.column);
}
