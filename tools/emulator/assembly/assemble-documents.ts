import { createHash } from 'node:crypto';
import { newGuid } from '../guid';
import { answerDisplayValues } from '../answers/answer-display';
import type { AnswerSet } from '../answers/answer-set';
import { renderTextPdf } from './answers-pdf';

export interface AssembledDocument {
  id: string;
  versionId: string;
  name: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  content: Buffer;
}

/**
 * What CompleteSession with runAssembly produces: a PDF of the answers and the answer set itself.
 * The PDF depends only on the work item name and the answers, so equal answers give equal bytes.
 */
export function assembleDocuments(input: {
  workItemName: string;
  versionId: string;
  answers: AnswerSet;
  answerXml: string;
}): AssembledDocument[] {
  const lines = answerDisplayValues(input.answers).map(({ name, value }) => `${name}: ${value}`);
  const pdf = renderTextPdf({
    title: input.workItemName,
    lines: lines.length > 0 ? lines : ['(no answers)'],
  });
  return [
    document(
      input.versionId,
      input.workItemName,
      `${safeFileStem(input.workItemName)}.pdf`,
      'application/pdf',
      pdf,
    ),
    document(
      input.versionId,
      'Answers',
      'answers.xml',
      'application/xml',
      Buffer.from(input.answerXml, 'utf8'),
    ),
  ];
}

function document(
  versionId: string,
  name: string,
  fileName: string,
  contentType: string,
  content: Buffer,
): AssembledDocument {
  return {
    id: newGuid(),
    versionId,
    name,
    fileName,
    contentType,
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    content,
  };
}

/** A file name that is safe in a Content-Disposition header and on every file system. */
export function safeFileStem(name: string): string {
  const stem = name
    .normalize('NFKD')
    .replace(/[^\w .-]+/g, '')
    .trim()
    .replace(/\s+/g, '-')
    .slice(0, 100);
  return stem === '' || /^\.+$/.test(stem) ? 'document' : stem;
}
