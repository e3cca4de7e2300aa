import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TextEdit } from './mutations';

/** Folders a copy links to instead of copying: installed, large, and never edited by a mutation. */
const LINKED = ['node_modules', '.tools'];

/**
 * A copy of the working tree (tracked and untracked files, not ignored ones) in a temporary
 * folder, with the installed folders linked in: what a mutation edits and a test run reads.
 */
export async function scratchCopy(root: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hotdocs-mutation-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
    .split('\0')
    .filter(
      (file) => file !== '' && !LINKED.some((linked) => file === linked || file.startsWith(`${linked}/`)),
    );
  for (const file of files) {
    const from = path.join(root, file);
    if (!existsSync(from)) continue; // deleted in the working tree, not yet in the index
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await cp(from, path.join(dir, file), { verbatimSymlinks: true });
  }
  for (const linked of LINKED) {
    const target = path.join(root, linked);
    if (existsSync(target)) await symlink(await realpath(target), path.join(dir, linked), 'dir');
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Applies the edits; each `find` must occur exactly once, or the mutation is out of date. */
export async function applyEdits(dir: string, edits: readonly TextEdit[]): Promise<void> {
  for (const edit of edits) {
    const file = path.join(dir, edit.file);
    const source = await readFile(file, 'utf8');
    const count = source.split(edit.find).length - 1;
    if (count !== 1) {
      throw new Error(
        `${edit.file}: "${edit.find}" occurs ${count} times (must be once): update tools/mutations/mutations.ts`,
      );
    }
    await writeFile(
      file,
      source.replace(edit.find, () => edit.replace),
    );
  }
}
