import { readFileSync } from 'node:fs';
import path from 'node:path';

/** This package's version, from its package.json (src/ and dist/ both sit next to it). */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}
