import type { AnswerSet, AnswerValue, Attributes } from './answer-set';

/** Writes an answer set as HotDocs answer XML (UTF-8, two-space indentation, stable attribute order). */
export function writeAnswerXml(set: AnswerSet): string {
  const lines = ['<?xml version="1.0" encoding="utf-8"?>'];
  if (set.answers.length === 0) {
    lines.push(`<AnswerSet${attributesXml(set.attributes)} />`);
  } else {
    lines.push(`<AnswerSet${attributesXml(set.attributes)}>`);
    for (const answer of set.answers) {
      const attributes = { ...answer.attributes, name: answer.name };
      lines.push(`  <Answer${attributesXml(attributes)}>${valueXml(answer.value)}</Answer>`);
    }
    lines.push('</AnswerSet>');
  }
  return `${lines.join('\n')}\n`;
}

function valueXml(value: AnswerValue): string {
  const open = `<${value.element}${attributesXml(value.attributes)}`;
  if ('text' in value) return `${open}>${escapeXmlText(value.text)}</${value.element}>`;
  if ('selections' in value) {
    const inner = value.selections.map((selection) => `<SelValue>${escapeXmlText(selection)}</SelValue>`);
    return `${open}>${inner.join('')}</${value.element}>`;
  }
  return `${open}>${value.items.map(valueXml).join('')}</${value.element}>`;
}

function attributesXml(attributes: Attributes): string {
  return Object.entries(attributes)
    .map(([name, value]) => ` ${name}="${escapeXmlAttribute(value)}"`)
    .join('');
}

// Characters XML 1.0 cannot carry at all; dropping them keeps the output well formed.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXmlText(text: string): string {
  return text
    .replace(NOT_XML_CHARACTERS, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text).replace(/"/g, '&quot;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;');
}
