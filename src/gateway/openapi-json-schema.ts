import { z } from 'zod';
import { keepCaseInsensitivePatterns } from '../client/json-schema-patterns';
import { gatewaySchemaRegistry, type GatewaySchemaMeta } from './schemas';

/**
 * zod schemas as the gateway's OpenAPI document spells them (JSON Schema 2020-12, OpenAPI 3.1):
 * a named schema (schemas.ts, or zod's global registry) is a `$ref` to its component wherever it
 * appears; descriptions come from both registries (`.describe()` writes to zod's global one); a
 * case-insensitive pattern is spelt in both cases, as in the contract's JSON Schema files.
 */

export type JsonSchema = Record<string, unknown>;

/** zod's `io`: a request as the client sends it (defaults may be left out), or an answer as it arrives. */
export type Direction = 'input' | 'output';

export const COMPONENT_REF_PREFIX = '#/components/schemas/';

/** The component name of a schema, if it has one. */
function componentName(schema: z.ZodType): string | undefined {
  return gatewaySchemaRegistry.get(schema)?.id ?? z.globalRegistry.get(schema)?.id;
}

/**
 * One schema's JSON Schema; a named one is just its `$ref`. An unnamed one is converted once per
 * direction (with every named schema alongside: milliseconds each), and each caller gets its own
 * copy, free to change.
 */
export function jsonSchemaOf(schema: z.ZodType, direction: Direction): JsonSchema {
  const name = componentName(schema);
  if (name !== undefined) return { $ref: `${COMPONENT_REF_PREFIX}${name}` };
  const cached = convertedUnnamed.get(schema) ?? {};
  convertedUnnamed.set(schema, cached);
  cached[direction] ??= convertUnnamed(schema, direction);
  return structuredClone(cached[direction]);
}

/** The JSON Schema of unnamed schemas already converted, by direction. */
const convertedUnnamed = new WeakMap<z.ZodType, Partial<Record<Direction, JsonSchema>>>();

function convertUnnamed(schema: z.ZodType, direction: Direction): JsonSchema {
  const registry = documentRegistry();
  registry.add(schema, { id: UNNAMED });
  const converted = convert(registry, direction)[UNNAMED];
  if (converted === undefined) throw new Error('zod returned no JSON Schema for the schema converted');
  return converted;
}

/** Every named schema's JSON Schema, by component name, in one direction. */
export function componentSchemas(direction: Direction): Record<string, JsonSchema> {
  const schemas = convert(documentRegistry(), direction);
  delete schemas[UNNAMED];
  return schemas;
}

/** The placeholder name under which a schema without one is converted. */
const UNNAMED = '#unnamed';

/**
 * The registry zod converts with: every named schema (so that a nested one becomes a `$ref`), the
 * metadata of both registries, and component names from nowhere else. A schema's own metadata
 * (its `.describe()`, say) wins over what it inherits from the schema it was made from.
 */
class DocumentRegistry extends z.core.$ZodRegistry<GatewaySchemaMeta> {
  override get(schema: z.core.$ZodType): GatewaySchemaMeta | undefined {
    const parent = schema._zod.parent;
    const merged = {
      ...withoutId(parent === undefined ? undefined : this.get(parent)),
      ...withoutId(z.globalRegistry._map.get(schema)),
      ...withoutId(gatewaySchemaRegistry._map.get(schema)),
      ...this._map.get(schema),
    };
    return Object.keys(merged).length > 0 ? merged : undefined;
  }
}

function withoutId(meta: GatewaySchemaMeta | undefined): GatewaySchemaMeta | undefined {
  if (meta === undefined) return undefined;
  const { id: _id, ...rest } = meta;
  return rest;
}

function documentRegistry(): DocumentRegistry {
  const registry = new DocumentRegistry();
  for (const source of [z.globalRegistry, gatewaySchemaRegistry]) {
    for (const [id, schema] of source._idmap) {
      const taken = registry._idmap.get(id);
      if (taken !== undefined && taken !== schema) {
        throw new Error(`Two schemas are named "${id}": an OpenAPI component name must mean one shape`);
      }
      registry.add(schema, { id });
    }
  }
  return registry;
}

function convert(registry: DocumentRegistry, direction: Direction): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: direction,
    metadata: registry,
    // Refinements (duration syntax, reminders before the deadline) have no JSON Schema form: the
    // descriptions say them, and the gateway checks them.
    unrepresentable: 'any',
    cycles: 'ref',
    reused: 'inline',
    uri: (id) => `${COMPONENT_REF_PREFIX}${id}`,
    override: ({ zodSchema, jsonSchema }) => keepCaseInsensitivePatterns(zodSchema, jsonSchema),
  });
  if ('__shared' in schemas) {
    throw new Error('A schema converted for the OpenAPI document needs a definition without a name: name it');
  }
  const out: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    // zod stamps the root with its own identity; the document names schemas by their component key.
    const { $id: _id, $schema: _schema, ...rest } = schema as JsonSchema;
    out[id] = rest;
  }
  return out;
}
