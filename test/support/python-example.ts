import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The Python of the example's virtual environment, installing it first when missing or when its
 * requirements changed (tools/examples/install-python-example.sh, as .ci/run does).
 */
export function pythonForExample(): string {
  const result = spawnSync('bash', [path.join(ROOT, 'tools', 'examples', 'install-python-example.sh')], {
    encoding: 'utf8',
  });
  const python = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || python === '') {
    throw new Error(
      `installing the Python example's dependencies failed:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return python;
}

export const PYTHON_EXAMPLE = path.join(ROOT, 'examples', 'python', 'business_system.py');
