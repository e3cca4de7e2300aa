/**
 * A minimal, valid PDF 1.4: catalog, page tree, one Letter page, Helvetica, one content stream.
 * No timestamps or ids, so the same input always gives the same bytes (and the same sha256).
 */

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const MARGIN = 72;
const TITLE_SIZE = 16;
const BODY_SIZE = 11;
const BODY_LEADING = 14;
// (792 - 72 top - 28 title gap - 72 bottom) / 14 leading, rounded down, less one for the overflow note.
const MAX_BODY_LINES = 43;
// Helvetica at 11 pt averages ~5.5 pt per character: ~85 characters fit in 468 pt.
const MAX_LINE_CHARACTERS = 85;

export interface PdfText {
  title: string;
  lines: readonly string[];
}

export function renderTextPdf({ title, lines }: PdfText): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] ` +
      '/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    contentStream(title, lines),
    `<< /Title (${pdfString(title)}) /Producer (hotdocs-advance-temporal emulator) >>`,
  ];

  // The binary comment after the header tells transfer tools the file is not plain text.
  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = chunks[0]?.length ?? 0;
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(length);
    const chunk = Buffer.from(`${index + 1} 0 obj\n${body}\nendobj\n`, 'latin1');
    chunks.push(chunk);
    length += chunk.length;
  });

  const xrefOffset = length;
  // Each xref entry is exactly 20 bytes: 10-digit offset, 5-digit generation, type, two-byte EOL.
  const entries = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`);
  const size = objects.length + 1;
  const tail =
    `xref\n0 ${size}\n0000000000 65535 f \n${entries.join('')}` +
    `trailer\n<< /Size ${size} /Root 1 0 R /Info ${objects.length} 0 R >>\n` +
    `startxref\n${xrefOffset}\n%%EOF\n`;
  chunks.push(Buffer.from(tail, 'latin1'));
  return Buffer.concat(chunks);
}

function contentStream(title: string, lines: readonly string[]): string {
  const shown = lines.length > MAX_BODY_LINES + 1 ? lines.slice(0, MAX_BODY_LINES) : lines;
  const overflow = lines.length - shown.length;
  const body = overflow > 0 ? [...shown, `... and ${overflow} more`] : shown;

  const operators = [
    'BT',
    `/F1 ${TITLE_SIZE} Tf`,
    `${MARGIN} ${PAGE_HEIGHT - MARGIN} Td`,
    `(${pdfString(clip(title))}) Tj`,
    `/F1 ${BODY_SIZE} Tf`,
    `${BODY_LEADING} TL`,
    `0 -${TITLE_SIZE + 12} Td`,
    ...body.map((line, index) => `${index === 0 ? '' : 'T* '}(${pdfString(clip(line))}) Tj`),
    'ET',
  ];
  const stream = operators.join('\n');
  return `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
}

function clip(line: string): string {
  return line.length > MAX_LINE_CHARACTERS ? `${line.slice(0, MAX_LINE_CHARACTERS - 3)}...` : line;
}

// WinAnsiEncoding code points for the common characters outside Latin-1.
const WIN_ANSI_EXTRAS: Readonly<Record<string, number>> = {
  '\u20ac': 0x80,
  '\u2026': 0x85,
  '\u2018': 0x91,
  '\u2019': 0x92,
  '\u201c': 0x93,
  '\u201d': 0x94,
  '\u2022': 0x95,
  '\u2013': 0x96,
  '\u2014': 0x97,
};

/**
 * Encodes text as the body of a PDF literal string, ASCII only: printable ASCII as is (with
 * `\ ( )` escaped), Latin-1 and the WinAnsi extras as octal escapes, anything else as `?`.
 */
export function pdfString(text: string): string {
  let out = '';
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0x3f;
    if (character === '\\' || character === '(' || character === ')') out += `\\${character}`;
    else if (code >= 0x20 && code <= 0x7e) out += character;
    else if (code >= 0xa0 && code <= 0xff) out += octal(code);
    else if (WIN_ANSI_EXTRAS[character] !== undefined) out += octal(WIN_ANSI_EXTRAS[character]);
    else if (code < 0x20) out += ' ';
    else out += '?';
  }
  return out;
}

function octal(code: number): string {
  return `\\${code.toString(8).padStart(3, '0')}`;
}
