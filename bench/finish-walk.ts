/**
 * The Finish walk, counted: the source files whose code runs from the browser's POST of a finish
 * link to the session's documents in the store (gateway, client, workflow, activities, Advance
 * client, document store), for this tree and for earlier commits (`--baseline <ref>`), each in a
 * process of its own on one dev server and one emulator. bench/finish-route.ts counts the Temporal
 * round trips of the same walk.
 *
 *   npx tsx bench/finish-walk.ts [--baseline <git ref>[,<git ref>...]] [--files]
 *
 * Prints the counts by folder (and with --files every file) on stderr, and JSON on stdout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { advanceEnvForEmulator } from '../tools/dev/emulator-env';
import { startChild, typeScriptProcess } from '../tools/process/child-process';
import { startDevServer } from '../tools/temporal';
import { baselineSource, workflowBundle } from './lib/bundles';
import { readyOnMessage } from './lib/child-ipc';
import { startEmulatorProcess } from './lib/emulator-process';

export interface WalkFigures {
  commit?: string;
  files: number;
  byFolder: Record<string, number>;
  list: string[];
}

type ChildMessage = { type: 'walk'; files: string[] } | { type: 'failed'; message: string };

export async function runFinishWalk(
  baselines: readonly string[],
  progress: (line: string) => void = () => undefined,
): Promise<Record<string, WalkFigures>> {
  const sides: Array<{ label: string; commit?: string; bundle: string; root?: string }> = [
    { label: 'ours', bundle: await workflowBundle('lifecycle') },
  ];
  for (const ref of baselines) {
    const { file, commit, sourceRoot } = await baselineSource(ref);
    sides.push({ label: ref, commit, bundle: file, root: sourceRoot });
  }
  const server = await startDevServer();
  const emulator = await startEmulatorProcess();
  const documents = await mkdtemp(path.join(tmpdir(), 'hotdocs-bench-walk-'));
  try {
    const result: Record<string, WalkFigures> = {};
    for (const side of sides) {
      const { command, args } = typeScriptProcess(path.join(__dirname, 'lib', 'finish-walk-child.ts'));
      const { handle, readyMessage } = await startChild<ChildMessage>({
        name: `${side.label} walk`,
        command,
        args,
        env: {
          PATH: process.env['PATH'] ?? '',
          TEMPORAL_ADDRESS: server.address,
          ...advanceEnvForEmulator(emulator),
          DOCUMENT_STORE_DIR: documents,
          WORKFLOW_BUNDLE_PATH: side.bundle,
          ...(side.root === undefined ? {} : { BENCH_SOURCE_ROOT: side.root }),
        },
        ipc: true,
        stdout: 'ignore',
        stderr: 'inherit',
        ready: readyOnMessage<ChildMessage>('walk'),
        readyTimeoutMs: 300_000,
      });
      await handle.exited;
      if (readyMessage?.type !== 'walk') throw new Error(`${side.label}: no walk reported`);
      const byFolder: Record<string, number> = {};
      for (const file of readyMessage.files) {
        const folder = path.dirname(file);
        byFolder[folder] = (byFolder[folder] ?? 0) + 1;
      }
      result[side.label] = {
        ...(side.commit !== undefined && { commit: side.commit }),
        files: readyMessage.files.length,
        byFolder,
        list: readyMessage.files,
      };
      progress(`${side.label}: ${readyMessage.files.length} files`);
    }
    return result;
  } finally {
    await emulator.close();
    await server.stop();
    await rm(documents, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { baseline: { type: 'string' }, files: { type: 'boolean', default: false } },
  });
  const baselines = values.baseline?.split(',').map((ref) => ref.trim()) ?? [];
  const result = await runFinishWalk(baselines, (line) => console.error(line));
  for (const [label, walk] of Object.entries(result)) {
    console.error(`\n${label}: ${walk.files} files`);
    for (const [folder, n] of Object.entries(walk.byFolder)) console.error(`  ${folder.padEnd(28)} ${n}`);
    if (values.files) for (const file of walk.list) console.error(`    ${file}`);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
