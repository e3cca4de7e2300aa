import { renderTextPdf } from '../../tools/emulator/assembly/answers-pdf';
import { ANSWER_XML, emulatorHarness, newId, type ListedDocument } from '../support/emulator-harness';

const harness = emulatorHarness();

/** Checks what a PDF reader relies on: header, xref offsets, stream lengths, trailer, EOF marker. */
function expectWellFormedPdf(pdf: Buffer): string {
  const text = pdf.toString('latin1');
  expect(text.startsWith('%PDF-1.4\n')).toBe(true);
  expect(text.endsWith('%%EOF\n')).toBe(true);

  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)?.[1]);
  expect(text.slice(startxref, startxref + 5)).toBe('xref\n');
  const table = /^xref\n0 (\d+)\n/.exec(text.slice(startxref));
  const size = Number(table?.[1]);
  const entriesStart = startxref + (table?.[0].length ?? 0);
  const entries = text.slice(entriesStart, entriesStart + size * 20);
  expect(entries.slice(0, 20)).toBe('0000000000 65535 f \n');
  for (let object = 1; object < size; object += 1) {
    const entry = entries.slice(object * 20, object * 20 + 20);
    expect(entry).toMatch(/^\d{10} 00000 n \n$/);
    const offset = Number(entry.slice(0, 10));
    expect(text.slice(offset, offset + `${object} 0 obj`.length)).toBe(`${object} 0 obj`);
  }
  const trailer = text.slice(entriesStart + size * 20);
  expect(trailer).toMatch(new RegExp(`^trailer\\n<< /Size ${size} /Root 1 0 R`));

  for (const match of text.matchAll(/<< \/Length (\d+) >>\nstream\n/g)) {
    const start = (match.index ?? 0) + match[0].length;
    expect(text.slice(start + Number(match[1]), start + Number(match[1]) + 10)).toBe('\nendstream');
  }
  expect(text).toContain('/BaseFont /Helvetica');
  expect(text).toContain('/Type /Pages /Kids [3 0 R] /Count 1');
  return text;
}

describe('assembled PDF', () => {
  it('is a well-formed PDF 1.4 with one line per answer', async () => {
    const test = await harness.start();
    const token = await test.login();
    const id = newId();
    await test.createWorkItem(token, id, { answerXml: ANSWER_XML, name: 'Letter (draft)' });
    await test.begin(token, id, newId());
    await test.complete(token, id);
    const documents = (await test.listDocuments(token, id)).json<ListedDocument[]>();
    const pdf = documents.find((document) => document.contentType === 'application/pdf');
    expect(pdf?.fileName).toBe('Letter-draft.pdf');
    const download = await test.download(token, id, pdf?.id ?? '');

    const text = expectWellFormedPdf(download.bytes);
    expect(text).toContain('(Letter \\(draft\\)) Tj');
    expect(text).toContain('(Client Name: Ana Lima) Tj');
    expect(text).toContain('(Fee: 1250) Tj');
  });

  it('escapes PDF string syntax and encodes non-ASCII text as WinAnsi', () => {
    const text = expectWellFormedPdf(
      renderTextPdf({ title: 'Title', lines: ['a\\b (c)', 'Café – “q” €', '日本', 'tab\there'] }),
    );
    expect(text).toContain('(a\\\\b \\(c\\)) Tj');
    expect(text).toContain('(Caf\\351 \\226 \\223q\\224 \\200) Tj');
    expect(text).toContain('(??) Tj');
    expect(text).toContain('(tab here) Tj');
    expect([...text.slice(15)].every((character) => character.charCodeAt(0) < 0x80)).toBe(true);
  });

  it('keeps to one page, clipping long lines and summarising overflow', () => {
    const lines = Array.from(
      { length: 60 },
      (_unused, index) => `Answer ${index}: ${'x'.repeat(index === 0 ? 200 : 5)}`,
    );
    const text = expectWellFormedPdf(renderTextPdf({ title: 'Many', lines }));
    expect(text).toContain('... and 17 more) Tj');
    expect(text).toMatch(/\(Answer 0: x+\.\.\.\) Tj/);
    expect(text).not.toContain('Answer 59');
  });

  it('is deterministic: the same input gives the same bytes', () => {
    const input = { title: 'Same', lines: ['A: 1', 'B: 2'] };
    expect(renderTextPdf(input).equals(renderTextPdf(input))).toBe(true);
    expect(renderTextPdf(input).equals(renderTextPdf({ ...input, lines: ['A: 1'] }))).toBe(false);
  });
});
