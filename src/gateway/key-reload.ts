import { realpathSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { reloadApiKeys, type GatewayApiKey } from '../config';
import { unscopedKeyWarnings, type ApiKeyRing } from './api-keys';

/** How long the folder must be quiet before the file is read: an editor's save is several events. */
const DEBOUNCE_MS = 200;

/**
 * Re-reads `GATEWAY_API_KEYS_FILE` when asked (SIGHUP) and when it changes, and swaps the keys in
 * at once: requests in flight finish with the keys they were authenticated with, none is dropped.
 *
 * A file that no longer parses is refused, and its problems are logged (by line, never a hash):
 * the keys in use stay as they were, except those the new file no longer lists on any line,
 * which are revoked at once. Whoever removes a key while another line has a typo revokes it all
 * the same; a key never outlives its line. A file that cannot be read at all changes nothing.
 */
export class ApiKeyFileReloader {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  /** The file the path led to when it was last read: a symlink swap changes it. */
  private resolved?: string;

  constructor(
    private readonly file: string,
    private readonly ring: ApiKeyRing,
    private readonly log: FastifyBaseLogger,
  ) {
    this.resolved = resolve(file);
  }

  /** Reads the file now; true when the new keys are in use. */
  reload(reason: string): boolean {
    this.resolved = resolve(this.file);
    const problems: string[] = [];
    const before = this.ring.keys();
    const { keys, stillListed } = reloadApiKeys(before, this.file, problems);
    if (problems.length > 0) {
      const revoked = before.filter((key) => !stillListed.includes(key));
      if (revoked.length > 0) this.ring.replace(stillListed);
      this.log.error(
        { reason, file: this.file, problems, ...(revoked.length > 0 && { revoked: names(revoked) }) },
        revoked.length > 0
          ? 'API key file not reloaded: it has problems; the keys it no longer lists are revoked, the others stay as they were'
          : 'API key file not reloaded: it has problems; the keys in use stay as they were',
      );
      return false;
    }
    this.ring.replace(keys);
    this.log.info({ reason, file: this.file, apiKeys: names(keys) }, 'API keys reloaded');
    for (const warning of unscopedKeyWarnings(keys)) this.log.warn(warning);
    return true;
  }

  /**
   * Watches the file's folder, not the file: editors and secret managers replace a file by
   * renaming another over it, which ends a watch on the file itself. Kubernetes mounts a Secret's
   * key as a symlink through `..data`, and updates it by renaming a new `..data` over the old:
   * no event names the file then, so any change in the folder re-resolves the path, and a path
   * that now leads elsewhere is read again.
   */
  watch(): void {
    const name = path.basename(this.file);
    let named = false;
    this.watcher = watch(path.dirname(this.file), (_event, changed) => {
      named ||= changed === null || changed === name;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        const moved = resolve(this.file) !== this.resolved;
        if (named || moved)
          this.reload(moved && !named ? 'the file it links to changed' : 'the file changed');
        named = false;
      }, DEBOUNCE_MS);
    });
    this.watcher.on('error', (error) => this.log.error({ err: error }, 'cannot watch the API key file'));
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}

/** Where the path leads through its symlinks now; undefined while it leads nowhere. */
function resolve(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

function names(keys: readonly GatewayApiKey[]): string[] {
  return keys.map((key) => key.name);
}
