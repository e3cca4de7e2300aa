import path from 'node:path';

/**
 * Where the repository's own files live, seen from this module. Two levels up works both from
 * `tools/temporal/`, the only place it runs from (tools are not compiled into dist/).
 */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Git-ignored folder that tools/install-temporal-tools.sh fills with the pinned binaries. */
export const TEMPORAL_TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');

/** The one place where the pinned binary versions are written down. */
export const TEMPORAL_TOOLS_VERSIONS_FILE = path.join(PROJECT_ROOT, 'tools', 'temporal-tools.env');

export const INSTALL_TEMPORAL_TOOLS_SCRIPT = path.join(PROJECT_ROOT, 'tools', 'install-temporal-tools.sh');
