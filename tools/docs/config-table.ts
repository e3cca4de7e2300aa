/**
 * Prints the README's configuration table from CONFIG_VARIABLES, where each variable is documented
 * beside the code that reads it: `npx tsx tools/docs/config-table.ts`, then paste and run
 * `npm run format`. test/docs/readme.unit.test.ts fails when a variable is missing from the README.
 */
import { CONFIG_VARIABLES } from '../../src/config';

const rows = Object.entries(CONFIG_VARIABLES).map(
  ([name, meaning]) => `| \`${name}\` | ${meaning.replace(/\|/g, '\\|')} |`,
);
process.stdout.write(['| variable | meaning (default) |', '| --- | --- |', ...rows].join('\n') + '\n');
