import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { failureConverterPath } from '../../src/codec/data-converter';

/**
 * Builds of the lifecycle made from the real sources by one small, documented edit, for tests
 * that need the code as it is set against another build. The copy of `src/` is made in a
 * temporary folder (with the project's node_modules linked in) and bundled there as `npm run build`
 * bundles the real one; each edit is anchored on a text that must occur exactly once in the
 * workflow sources.
 *
 * The next release ("N+1"), so that an upgrade test parks lifecycles on the code as it is:
 *
 * - the edit: before a session begins, the lifecycle renews its Advance token (one more
 *   `acquireToken` activity) — the kind of change a release makes;
 * - `incompatible`: the edit as it is. A lifecycle that began its session on N has
 *   `beginSession` (the marker of its local activity) where N+1 now schedules `acquireToken`:
 *   replaying it is nondeterministic;
 * - `compatible`: the same edit behind `patched(RENEW_TOKEN_PATCH)`, as docs/deploy.md says
 *   to make it: histories of N replay without it, new steps take it.
 *
 * A build without a guard, to show the hazard the guard exists for (never an input a user sets):
 *
 * - `without-stray-completion-quarantine`: after a v1.1 CompleteSession that needed a retry, the
 *   next session begins at once instead of waiting until a stray request of the lost attempt is
 *   dead (session-completion.ts).
 */

export type LifecycleVariant = 'incompatible' | 'compatible' | 'without-stray-completion-quarantine';

/** The patch id of the compatible variant (a new patch id per change, never reused). */
export const RENEW_TOKEN_PATCH = 'renew-token-before-session';

const PROJECT = path.resolve(__dirname, '..', '..');

/** The activity the token edit calls, typed where it is used (the worker's real `acquireToken`). */
const ACTIVITY_TYPE =
  'type VariantTokenActivity = { acquireToken(input: { tenancy?: string }): Promise<unknown> };';

const BEGIN_ANCHOR = 'await this.begin(session);';

/** Each variant: the text it is anchored on, and the edited source of the file holding it. */
const EDITS: Record<LifecycleVariant, { anchor: string; edit(source: string): string }> = {
  incompatible: {
    anchor: BEGIN_ANCHOR,
    edit: (source) =>
      `import { proxyActivities as variantActivities } from '@temporalio/workflow';\n${ACTIVITY_TYPE}\n` +
      source.replace(
        BEGIN_ANCHOR,
        `await variantActivities<VariantTokenActivity>({ startToCloseTimeout: '1 minute' }).acquireToken({ tenancy: undefined });\n${BEGIN_ANCHOR}`,
      ),
  },
  compatible: {
    anchor: BEGIN_ANCHOR,
    edit: (source) =>
      `import { patched as variantPatched, proxyActivities as variantActivities } from '@temporalio/workflow';\n${ACTIVITY_TYPE}\n` +
      source.replace(
        BEGIN_ANCHOR,
        `if (variantPatched('${RENEW_TOKEN_PATCH}')) await variantActivities<VariantTokenActivity>({ startToCloseTimeout: '1 minute' }).acquireToken({ tenancy: undefined });\n${BEGIN_ANCHOR}`,
      ),
  },
  'without-stray-completion-quarantine': {
    anchor: 'patched(PATCH_QUARANTINE_AFTER_RETRIED_COMPLETE)',
    edit: (source) => source.replace('patched(PATCH_QUARANTINE_AFTER_RETRIED_COMPLETE)', 'false'),
  },
};

/** The lifecycle's workflow sources with the variant's edit applied, as a folder of `src/`. */
export async function writeLifecycleVariant(
  variant: LifecycleVariant,
): Promise<{ root: string; workflowsPath: string }> {
  const root = await mkdtemp(path.join(tmpdir(), `hotdocs-lifecycle-${variant}-`));
  await cp(path.join(PROJECT, 'src'), path.join(root, 'src'), { recursive: true });
  // The bundler resolves @temporalio/workflow from the copied files' folder upwards.
  await symlink(path.join(PROJECT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  const workflows = path.join(root, 'src', 'workflows');
  const { anchor, edit } = EDITS[variant];
  const file = await fileWithAnchor(workflows, anchor);
  await writeFile(file, edit(await readFile(file, 'utf8')));
  return { root, workflowsPath: workflows };
}

/**
 * The variant as a prebuilt bundle file (what a release ships), with the failure converter of
 * the deployment (encrypted or not). `cleanup` removes the copy and the bundle.
 */
export async function bundleLifecycleVariant(
  variant: LifecycleVariant,
  { encrypted = false }: { encrypted?: boolean } = {},
): Promise<{ bundlePath: string; cleanup(): Promise<void> }> {
  const { root, workflowsPath } = await writeLifecycleVariant(variant);
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    failureConverterPath: failureConverterPath(encrypted),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
  const bundlePath = path.join(root, `workflow-bundle.${variant}.js`);
  await writeFile(bundlePath, code);
  return { bundlePath, cleanup: () => rm(root, { recursive: true, force: true }) };
}

async function fileWithAnchor(folder: string, anchor: string): Promise<string> {
  const found: string[] = [];
  for (const name of await readdir(folder)) {
    if (!name.endsWith('.ts')) continue;
    const text = await readFile(path.join(folder, name), 'utf8');
    const count = text.split(anchor).length - 1;
    for (let i = 0; i < count; i += 1) found.push(name);
  }
  if (found.length !== 1) {
    throw new Error(
      `a workflow variant edits the lifecycle at "${anchor}", which must occur once in src/workflows ` +
        `(found ${found.length}: ${found.join(', ') || 'none'}); update test/support/workflow-variants.ts`,
    );
  }
  return path.join(folder, found[0] as string);
}
