import { CONTRACT_SCHEMAS, contractJsonSchema } from '../../src/client/contract-schemas';

/**
 * File name → text of every contract schema file, exactly as committed under schemas/: JSON with
 * two-space indentation and a final newline (the folder is left alone by Prettier, so the
 * generator alone decides the bytes).
 */
export function contractSchemaFiles(): Record<string, string> {
  return Object.fromEntries(
    Object.keys(CONTRACT_SCHEMAS)
      .sort()
      .map((name) => [`${name}.json`, `${JSON.stringify(contractJsonSchema(name), null, 2)}\n`]),
  );
}
