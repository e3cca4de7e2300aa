import path from 'node:path';
import { FAILURE_CONVERTER_MARKER as ENCODED } from './failure-converter-encoded';
import { FAILURE_CONVERTER_MARKER as PLAIN } from './failure-converter-plain';

/**
 * The prebuilt workflow bundles `npm run build` writes: the failure converter is compiled into a
 * bundle, so there is one for deployments with payload encryption and one without.
 */
export const PREBUILT_BUNDLES = {
  plain: path.resolve(__dirname, '..', '..', 'dist', 'workflow-bundle.js'),
  encrypted: path.resolve(__dirname, '..', '..', 'dist', 'workflow-bundle.encrypted.js'),
} as const;

export function prebuiltBundle(encrypted: boolean): string {
  return encrypted ? PREBUILT_BUNDLES.encrypted : PREBUILT_BUNDLES.plain;
}

/**
 * Why a bundle does not fit the deployment (encrypted or not), or undefined when it does. A
 * bundle of unknown origin (no marker) is taken as it is.
 */
export function bundleMismatch(code: string, encrypted: boolean): string | undefined {
  if (encrypted && code.includes(PLAIN)) {
    return `it was built without encrypted failure messages; with PAYLOAD_ENCRYPTION_KEYS use ${path.basename(PREBUILT_BUNDLES.encrypted)}`;
  }
  if (!encrypted && code.includes(ENCODED)) {
    return `it was built for payload encryption (failure messages would show as "Encoded failure"); without PAYLOAD_ENCRYPTION_KEYS use ${path.basename(PREBUILT_BUNDLES.plain)}`;
  }
  return undefined;
}
