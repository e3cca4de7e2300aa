/**
 * The HotDocs answer-file model: an `AnswerSet` of named `Answer`s, each holding one typed value.
 * Attributes are kept so an answer set can be written back without losing what it carried.
 */
export const SCALAR_VALUE_ELEMENTS = ['TextValue', 'NumValue', 'DateValue', 'TFValue'] as const;
export const VALUE_ELEMENTS = [...SCALAR_VALUE_ELEMENTS, 'MCValue', 'RptValue'] as const;

export type ScalarValueElement = (typeof SCALAR_VALUE_ELEMENTS)[number];
export type ValueElement = (typeof VALUE_ELEMENTS)[number];

export type Attributes = Record<string, string>;

export type AnswerValue =
  | { element: ScalarValueElement; attributes: Attributes; text: string }
  | { element: 'MCValue'; attributes: Attributes; selections: string[] }
  | { element: 'RptValue'; attributes: Attributes; items: AnswerValue[] };

export interface Answer {
  name: string;
  attributes: Attributes;
  value: AnswerValue;
}

export interface AnswerSet {
  attributes: Attributes;
  answers: Answer[];
}

export function isValueElement(name: string): name is ValueElement {
  return (VALUE_ELEMENTS as readonly string[]).includes(name);
}

export function isScalarValueElement(name: string): name is ScalarValueElement {
  return (SCALAR_VALUE_ELEMENTS as readonly string[]).includes(name);
}

export function emptyAnswerSet(): AnswerSet {
  return { attributes: { version: '1.1' }, answers: [] };
}
