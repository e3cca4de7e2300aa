import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Harness } from './lifecycle-harness';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The Python of an example's virtual environment (examples/python by default), installing it first
 * when missing or when its requirements changed (tools/examples/install-python-example.sh, as
 * .ci/run does).
 */
export function pythonForExample(example = 'examples/python'): string {
  const result = spawnSync(
    'bash',
    [path.join(ROOT, 'tools', 'examples', 'install-python-example.sh'), example],
    { encoding: 'utf8' },
  );
  const python = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || python === '') {
    throw new Error(
      `installing the Python example's dependencies failed:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return python;
}

export const PYTHON_EXAMPLE = path.join(ROOT, 'examples', 'python', 'business_system.py');

/** What the Python examples print of each document they downloaded. */
export interface DownloadedDocument {
  documentId: string;
  path: string;
  sha256: string;
}

/**
 * Each document an example wrote (paths relative to `dir`) is, byte for byte, the one the
 * harness's emulator assembled for the work item, and the SHA-256 it reported is that of those bytes.
 */
export async function expectDocumentsAsAssembled(
  h: Harness,
  workItemId: string,
  documents: DownloadedDocument[],
  dir: string,
): Promise<void> {
  for (const document of documents) {
    const bytes = await readFile(path.join(dir, document.path));
    const original = h.emulator.documentContent(workItemId, document.documentId) as Buffer;
    expect(bytes.equals(original)).toBe(true);
    expect(document.sha256).toBe(createHash('sha256').update(original).digest('hex'));
  }
}
