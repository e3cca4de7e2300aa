import type {
  FastifyDynamicSwaggerOptions,
  SwaggerTransform,
  SwaggerTransformObject,
} from '@fastify/swagger';
import { isDeepStrictEqual } from 'node:util';
import type { FastifySchema } from 'fastify';
import type { OpenAPIV3_1 } from 'openapi-types';
import { z } from 'zod';
import type { GatewayConfig } from '../config';
import { packageVersion } from '../package-version';
import {
  COMPONENT_REF_PREFIX,
  componentSchemas,
  jsonSchemaOf,
  type Direction,
  type JsonSchema,
} from './openapi-json-schema';

/**
 * The gateway's OpenAPI document (/v1/openapi.json, and openapi/gateway.json in the package), made
 * for the clients generators write from it: every operation has a stable `operationId` and a tag,
 * each shape is one component (named in schemas.ts) whatever direction it travels in, and a
 * body the gateway lets a client leave out is not required.
 */

/** The groups operations are filed under; generated clients make one module of each. */
export const OPENAPI_TAGS = [
  { name: 'assemblies', description: 'Start a lifecycle, read its status and result, send it messages' },
  { name: 'interview', description: "The waiting interview and its finish link (the browser's Finish)" },
  { name: 'documents', description: "A lifecycle's assembled documents and their bytes" },
  { name: 'health', description: 'Liveness and readiness, without an API key' },
] as const;

export type OpenApiTag = (typeof OPENAPI_TAGS)[number]['name'];

/** Marks an operation whose body may be left out; turned into `requestBody.required: false`. */
const OPTIONAL_BODY = 'x-hotdocs-optional-body';

export function openApiOptions(config: GatewayConfig): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'hotdocs-advance-temporal gateway',
        version: packageVersion(),
        description:
          'Durable HotDocs Advance document-assembly lifecycles over HTTP. Every error, on every ' +
          'path (unknown routes 404, other methods 405, over-long URLs 414, bodies over the limit ' +
          '413, other media types 415, malformed JSON 400 included), is ' +
          '{ "error": { "code", "message", "problems"? } }; the codes are listed in the ErrorCode schema.',
      },
      ...(config.publicUrl !== undefined && { servers: [{ url: config.publicUrl }] }),
      tags: OPENAPI_TAGS.map((tag) => ({ ...tag })),
      components: {
        securitySchemes: {
          bearerKey: {
            type: 'http' as const,
            scheme: 'bearer',
            description: 'Authorization: Bearer <API key>',
          },
          apiKeyHeader: { type: 'apiKey' as const, in: 'header', name: 'X-API-Key' },
        },
      },
    },
    transform: transformRoute,
    transformObject: nameEachShapeOnce,
  };
}

type RouteSchema = FastifySchema & {
  hide?: boolean;
  operationId?: string;
  tags?: readonly string[];
  response?: Record<string, unknown>;
};

/** A route's zod schemas as JSON Schema: requests as they are sent, answers as they arrive. */
const transformRoute: SwaggerTransform = ({ schema, url, route }) => {
  const { response, headers, querystring, body, params, hide, ...rest } = (schema ?? {}) as RouteSchema;
  if (schema === undefined || hide === true) return { schema: { hide: true } as FastifySchema, url };
  if (rest.operationId === undefined || rest.tags === undefined || rest.tags.length === 0) {
    throw new Error(
      `${String(route.method)} ${url}: every operation of the OpenAPI document needs an operationId and a tag ` +
        '(or schema.hide)',
    );
  }
  const unknownTag = rest.tags.find((tag) => !OPENAPI_TAGS.some(({ name }) => name === tag));
  if (unknownTag !== undefined) {
    throw new Error(`${String(route.method)} ${url}: tag "${unknownTag}" is not one of OPENAPI_TAGS`);
  }
  const transformed: Record<string, unknown> = { ...rest };
  const requestParts = { headers, querystring, body, params };
  for (const [part, zodSchema] of Object.entries(requestParts)) {
    if (zodSchema !== undefined) transformed[part] = jsonSchemaOf(zodSchema as z.ZodType, 'input');
  }
  if (body !== undefined && (body as z.ZodType).safeParse(undefined).success)
    transformed[OPTIONAL_BODY] = true;
  if (response !== undefined) {
    transformed['response'] = Object.fromEntries(
      Object.entries(response).map(([status, answer]) => [status, describeAnswer(answer)]),
    );
  }
  return { schema: transformed as FastifySchema, url };
};

interface AnswerWithContent {
  description?: string;
  headers?: Record<string, JsonSchema>;
  content: Record<string, { schema: z.ZodType }>;
}

/** An answer: a zod schema (JSON), or `{ description, headers, content }` by media type; no content, no body. */
function describeAnswer(answer: unknown): unknown {
  if (answer instanceof z.ZodType) return jsonSchemaOf(answer, 'output');
  const { content, ...rest } = answer as AnswerWithContent;
  const media = Object.entries(content);
  // @fastify/swagger's way of saying "no body".
  if (media.length === 0) return { ...rest, type: 'null' };
  return {
    ...rest,
    content: Object.fromEntries(
      media.map(([type, { schema }]) => [type, { schema: jsonSchemaOf(schema, 'output') }]),
    ),
  };
}

type Document = OpenAPIV3_1.Document;
type Operation = OpenAPIV3_1.OperationObject & { [OPTIONAL_BODY]?: boolean };

/**
 * The components: each named schema once, in the direction it is used in — a request's as the
 * client sends it, an answer's as it arrives — and only those the operations reach. A name used
 * both ways must mean the same JSON in both, or the document is refused: such a shape needs two
 * schemas, named for what each is.
 */
const nameEachShapeOnce: SwaggerTransformObject = (documentObject) => {
  if (!('openapiObject' in documentObject)) throw new Error('The gateway writes OpenAPI 3.1, not Swagger 2');
  const document = documentObject.openapiObject as Document;
  const reached = new Map<string, Set<Direction>>();
  const pending: [string, Direction][] = [];
  const reach = (json: unknown, direction: Direction) => {
    for (const name of referencedComponents(json)) {
      const directions = reached.get(name) ?? new Set<Direction>();
      if (directions.has(direction)) continue;
      directions.add(direction);
      reached.set(name, directions);
      pending.push([name, direction]);
    }
  };
  for (const operation of operationsOf(document)) {
    reach([operation.requestBody, operation.parameters], 'input');
    reach(operation.responses, 'output');
    if (operation[OPTIONAL_BODY] === true && operation.requestBody !== undefined) {
      (operation.requestBody as OpenAPIV3_1.RequestBodyObject).required = false;
    }
    delete operation[OPTIONAL_BODY];
  }
  const converted = { input: componentSchemas('input'), output: componentSchemas('output') };
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [name, direction] = next;
    const json = converted[direction][name];
    if (json === undefined)
      throw new Error(`The OpenAPI document refers to "${name}", which no schema is named`);
    reach(json, direction);
  }

  const schemas: Record<string, JsonSchema> = {};
  for (const name of [...reached.keys()].sort()) {
    const [first, ...others] = [...(reached.get(name) as Set<Direction>)];
    const json = converted[first as Direction][name] as JsonSchema;
    for (const other of others) {
      if (!isDeepStrictEqual(json, converted[other][name])) {
        throw new Error(
          `Schema "${name}" is used in requests and in answers but differs between them: make it two ` +
            'schemas, each named for what it is',
        );
      }
    }
    schemas[name] = json;
  }
  describeAnswersByTheirSchema(document, schemas);
  return { ...document, components: { ...document.components, schemas } };
};

function operationsOf(document: Document): Operation[] {
  const items: object[] = Object.values(document.paths ?? {}).filter((item) => item !== undefined);
  return items.flatMap((item) =>
    Object.values(item).filter(
      (value: unknown): value is Operation =>
        typeof value === 'object' && value !== null && 'responses' in value,
    ),
  );
}

function referencedComponents(json: unknown): string[] {
  if (Array.isArray(json)) return json.flatMap(referencedComponents);
  if (typeof json !== 'object' || json === null) return [];
  return Object.entries(json).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' && value.startsWith(COMPONENT_REF_PREFIX)
      ? [value.slice(COMPONENT_REF_PREFIX.length)]
      : referencedComponents(value),
  );
}

/**
 * An answer declared by its schema alone gets @fastify/swagger's "Default Response" as its
 * description; the schema's own description says more.
 */
function describeAnswersByTheirSchema(document: Document, schemas: Record<string, JsonSchema>): void {
  for (const operation of operationsOf(document)) {
    for (const answer of Object.values(operation.responses ?? {}) as OpenAPIV3_1.ResponseObject[]) {
      if (answer.description !== 'Default Response') continue;
      const ref = (answer.content?.['application/json']?.schema as { $ref?: string } | undefined)?.$ref;
      const described = ref === undefined ? undefined : schemas[ref.slice(COMPONENT_REF_PREFIX.length)];
      if (typeof described?.['description'] === 'string') answer.description = described['description'];
    }
  }
}
