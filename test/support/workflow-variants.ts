import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { failureConverterPath } from '../../src/codec/data-converter';

/**
 * The next release of the lifecycle, made from the real sources by one small, documented edit, so
 * that an upgrade test parks lifecycles on the code as it is and checks them against "N+1":
 *
 * - the edit: before a session begins, the lifecycle renews its Advance token (one more
 *   `acquireToken` activity) — the kind of change a release makes;
 * - `incompatible`: the edit as it is. A lifecycle that began its session on N has
 *   `beginSession` (the marker of its local activity) where N+1 now schedules `acquireToken`:
 *   replaying it is nondeterministic;
 * - `compatible`: the same edit behind `patched(RENEW_TOKEN_PATCH)`, as docs/deploy.md says
 *   to make it: histories of N replay without it, new steps take it.
 *
 * The copy of `src/` is made in a temporary folder (with the project's node_modules linked in)
 * and bundled there as `npm run build` bundles the real one; the edit is anchored on the call
 * `await this.begin(session);`, which must occur exactly once in the workflow sources.
 */

export type LifecycleVariant = 'incompatible' | 'compatible';

/** The patch id of the compatible variant (a new patch id per change, never reused). */
export const RENEW_TOKEN_PATCH = 'renew-token-before-session';

const ANCHOR = 'await this.begin(session);';
const PROJECT = path.resolve(__dirname, '..', '..');

/** The statement inserted before the anchor, and the import it needs (prepended to the file). */
const EDITS: Record<LifecycleVariant, { statement: string; imports: string }> = {
  incompatible: {
    imports: "import { proxyActivities as variantActivities } from '@temporalio/workflow';",
    statement: `await variantActivities<VariantTokenActivity>({ startToCloseTimeout: '1 minute' }).acquireToken({ tenancy: undefined });`,
  },
  compatible: {
    imports:
      "import { patched as variantPatched, proxyActivities as variantActivities } from '@temporalio/workflow';",
    statement: `if (variantPatched('${RENEW_TOKEN_PATCH}')) await variantActivities<VariantTokenActivity>({ startToCloseTimeout: '1 minute' }).acquireToken({ tenancy: undefined });`,
  },
};

/** The activity the edit calls, typed where it is used (the worker's real `acquireToken`). */
const ACTIVITY_TYPE =
  'type VariantTokenActivity = { acquireToken(input: { tenancy?: string }): Promise<unknown> };';

/** The lifecycle's workflow sources with the variant's edit applied, as a folder of `src/`. */
export async function writeLifecycleVariant(
  variant: LifecycleVariant,
): Promise<{ root: string; workflowsPath: string }> {
  const root = await mkdtemp(path.join(tmpdir(), `hotdocs-lifecycle-${variant}-`));
  await cp(path.join(PROJECT, 'src'), path.join(root, 'src'), { recursive: true });
  // The bundler resolves @temporalio/workflow from the copied files' folder upwards.
  await symlink(path.join(PROJECT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  const workflows = path.join(root, 'src', 'workflows');
  const file = await fileWithAnchor(workflows);
  const source = await readFile(file, 'utf8');
  const { imports, statement } = EDITS[variant];
  const edited = `${imports}\n${ACTIVITY_TYPE}\n${source.replace(ANCHOR, `${statement}\n${ANCHOR}`)}`;
  await writeFile(file, edited);
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

async function fileWithAnchor(folder: string): Promise<string> {
  const found: string[] = [];
  for (const name of await readdir(folder)) {
    if (!name.endsWith('.ts')) continue;
    const text = await readFile(path.join(folder, name), 'utf8');
    const count = text.split(ANCHOR).length - 1;
    for (let i = 0; i < count; i += 1) found.push(name);
  }
  if (found.length !== 1) {
    throw new Error(
      `the upgrade test edits the lifecycle before "${ANCHOR}", which must occur once in src/workflows ` +
        `(found ${found.length}: ${found.join(', ') || 'none'}); update test/support/workflow-variants.ts`,
    );
  }
  return path.join(folder, found[0] as string);
}
