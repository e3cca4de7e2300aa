/**
 * Keeps the last lines a child process wrote, so that a failure can show what the process said
 * without buffering its whole (possibly endless) output.
 */
export class OutputTail {
  private readonly lines: string[] = [];
  private partialLine = '';

  constructor(private readonly maxLines = 40) {}

  /** The remembered lines, oldest first, as written: complete lines end with a newline. */
  text(): string {
    return this.lines.map((line) => `${line}\n`).join('') + this.partialLine;
  }

  append(chunk: string): void {
    const parts = (this.partialLine + chunk).split(/\r?\n/);
    this.partialLine = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }
}
