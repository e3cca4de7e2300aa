import type { Readable } from 'node:stream';

/**
 * Keeps the last lines a child process wrote, so that a failure can show what the process said
 * without buffering its whole (possibly endless) output. Reading also drains the pipe, which a
 * child needs: a full pipe blocks its writes.
 */
export class OutputTail {
  private readonly lines: string[] = [];
  private partialLine = '';

  constructor(
    stream: Readable,
    private readonly maxLines = 40,
  ) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.append(chunk));
  }

  /** The remembered lines, oldest first, including an unterminated last line. */
  text(): string {
    return [...this.lines, ...(this.partialLine ? [this.partialLine] : [])].join('\n');
  }

  private append(chunk: string): void {
    const parts = (this.partialLine + chunk).split(/\r?\n/);
    this.partialLine = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }
}
