import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkItemRecord } from './work-item-model';

/**
 * The emulator's work items on disk, so that a restarted emulator (`npm run dev` after Ctrl-C)
 * still knows the work items and sessions its waiting lifecycles refer to. A real Advance keeps
 * them for as long as its database does; an emulator that forgot them would answer 404 to every
 * lifecycle a developer left waiting.
 */

export interface PersistedStore {
  version: 1;
  items: WorkItemRecord[];
  finishedCounter: number;
}

/** Document bytes are written as base64; everything else is plain JSON. */
export function readStateFile(file: string): PersistedStore | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text, (_key, value: unknown) =>
    isEncodedBuffer(value) ? Buffer.from(value.base64, 'base64') : value,
  ) as PersistedStore;
  if (parsed.version !== 1)
    throw new Error(`${file}: unknown emulator state version ${String(parsed.version)}`);
  return parsed;
}

/** Writes atomically (a temporary file renamed over the old one), so a crash never leaves half a file. */
export function writeStateFile(file: string, state: PersistedStore): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(
    temporary,
    JSON.stringify(state, (_key, value: unknown) =>
      isSerializedBuffer(value) ? { base64: Buffer.from(value.data).toString('base64') } : value,
    ),
  );
  renameSync(temporary, file);
}

/** Saves at most once per `delayMs` after changes, and at once on `flush()`. */
export class StateFileWriter {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => PersistedStore,
    private readonly delayMs = 100,
  ) {}

  changed(): void {
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    writeStateFile(this.file, this.snapshot());
  }
}

/** `Buffer.toJSON()` output, as `JSON.stringify` hands it to a replacer. */
function isSerializedBuffer(value: unknown): value is { type: 'Buffer'; data: number[] } {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer';
}

function isEncodedBuffer(value: unknown): value is { base64: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 1 &&
    typeof (value as { base64?: unknown }).base64 === 'string'
  );
}
