import type { AnswerSet, AnswerValue } from './answer-set';

/** `name → display string` for the interview page and the assembled PDF. */
export function answerDisplayValues(set: AnswerSet): Array<{ name: string; value: string }> {
  return set.answers.map((answer) => ({ name: answer.name, value: displayValue(answer.value) }));
}

export function displayValue(value: AnswerValue): string {
  // HotDocs marks an unanswered value with unans="true"; it displays as empty.
  if (value.attributes.unans === 'true') return '';
  if ('text' in value) return value.text;
  if ('selections' in value) return value.selections.join(', ');
  return value.items.map(displayValue).join('; ');
}

/**
 * Applies answers typed into the interview page. A value equal to what the page showed keeps its
 * original typed element (so a date or a repeat is not flattened); a changed value becomes a
 * TextValue; a new name with an empty value is ignored (an untouched extra field).
 */
export function applyTypedAnswers(set: AnswerSet, typed: Readonly<Record<string, string>>): AnswerSet {
  const answers = set.answers.map((answer) => ({ ...answer }));
  for (const [name, text] of Object.entries(typed)) {
    const existing = answers.find((answer) => answer.name === name);
    if (existing !== undefined) {
      if (displayValue(existing.value) !== text) existing.value = textValue(text);
    } else if (name.trim() !== '' && text !== '') {
      answers.push({ name: name.trim(), attributes: {}, value: textValue(text) });
    }
  }
  return { attributes: { ...set.attributes }, answers };
}

function textValue(text: string): AnswerValue {
  return { element: 'TextValue', attributes: {}, text };
}
