import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  defaultPayloadConverter,
  type ActivitySerializationContext,
  type Payload,
  type WorkflowSerializationContext,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { FastifyInstance } from 'fastify';
import {
  AesGcmPayloadCodec,
  BOUND_WORKFLOW_ID_METADATA,
  buildCodecServer,
  ENCRYPTED_ENCODING,
  FORMAT_METADATA,
  KEY_ID_METADATA,
  parseEncryptionKeys,
  payloadFromJson,
  payloadToJson,
  type PayloadJson,
  PayloadBindingError,
  PayloadDecryptionError,
  sha256Hex,
} from '../../src/codec';

/**
 * Encrypted payloads are bound to their lifecycle (namespace and workflow id, authenticated with
 * the ciphertext): the SDK tells the codec which lifecycle it reads for, and a payload written for
 * another one is refused. Payloads written before binding (format 1) stay readable.
 */

const KEY = { id: 'k1', key: randomBytes(32) };
const codec = new AesGcmPayloadCodec([KEY]);
const answers = defaultPayloadConverter.toPayload({
  answerXml: '<AnswerSet><Answer name="Tenant"><TextValue>Tenant A</TextValue></Answer></AnswerSet>',
});
const lifecycle = (workflowId: string, namespace = 'default'): WorkflowSerializationContext => ({
  type: 'workflow',
  namespace,
  workflowId,
});
const activityOf = (workflowId: string | undefined): ActivitySerializationContext => ({
  type: 'activity',
  namespace: 'default',
  workflowId,
  activityId: '3',
  isLocal: false,
});
const text = (payload: Payload, name: string) => Buffer.from(payload.metadata![name]!).toString();

async function boundTo(context: WorkflowSerializationContext | undefined): Promise<Payload> {
  const [encrypted] = await codec.encode([answers], context);
  return encrypted!;
}

test('a payload is read by its own lifecycle and refused by any other, naming both', async () => {
  const forA = await boundTo(lifecycle('assembly-a'));
  expect(text(forA, FORMAT_METADATA)).toBe('2');
  expect(text(forA, BOUND_WORKFLOW_ID_METADATA)).toBe('assembly-a');
  expect(await codec.decode([forA], lifecycle('assembly-a'))).toEqual([
    expect.objectContaining({ data: answers.data }),
  ]);
  // The activities the lifecycle schedules read it too (their context names the workflow).
  expect(await codec.decode([forA], activityOf('assembly-a'))).toHaveLength(1);

  const refused = await codec.decode([forA], lifecycle('assembly-b')).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(PayloadBindingError);
  expect(refused).toBeInstanceOf(PayloadDecryptionError);
  expect((refused as Error).message).toBe(
    'refused a payload bound to lifecycle "assembly-a" (namespace "default"), presented to lifecycle ' +
      '"assembly-b" (namespace "default"): encrypted payloads are read only by the lifecycle they were written for',
  );
  await expect(codec.decode([forA], activityOf('assembly-b'))).rejects.toBeInstanceOf(PayloadBindingError);
  // The same workflow id in another namespace is another lifecycle.
  await expect(codec.decode([forA], lifecycle('assembly-a', 'other'))).rejects.toBeInstanceOf(
    PayloadBindingError,
  );
});

test('where no lifecycle is asked for (the codec endpoint, an activity of no workflow) any authentic payload is read', async () => {
  const forA = await boundTo(lifecycle('assembly-a'));
  expect(await codec.decode([forA])).toEqual([expect.objectContaining({ data: answers.data })]);
  expect(await codec.decode([forA], activityOf(undefined))).toHaveLength(1);
});

test('relabelling the binding, or stripping it to look older, fails authentication', async () => {
  const forA = await boundTo(lifecycle('assembly-a'));
  const relabelled = {
    ...forA,
    metadata: { ...forA.metadata, [BOUND_WORKFLOW_ID_METADATA]: Buffer.from('assembly-b') },
  };
  await expect(codec.decode([relabelled], lifecycle('assembly-b'))).rejects.toThrow(/failed authentication/);
  const stripped = { ...forA, metadata: { ...forA.metadata } };
  delete stripped.metadata[FORMAT_METADATA];
  await expect(codec.decode([stripped], lifecycle('assembly-b'))).rejects.toThrow(/failed authentication/);
});

test('written without a lifecycle (a workflow task failure): readable by operators, refused by every lifecycle', async () => {
  const unbound = await boundTo(undefined);
  expect(text(unbound, BOUND_WORKFLOW_ID_METADATA)).toBe('');
  expect(await codec.decode([unbound])).toHaveLength(1);
  await expect(codec.decode([unbound], lifecycle('assembly-a'))).rejects.toThrow(
    'refused a payload that belongs to no lifecycle, presented to lifecycle "assembly-a" (namespace "default")',
  );
});

test('payloads written before binding (format 1) stay readable, for every lifecycle: they are not bound', async () => {
  // As the codec wrote them before: additional data is the key id alone, no format metadata.
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', KEY.key, iv);
  cipher.setAAD(Buffer.from(KEY.id));
  const body = Buffer.concat([
    cipher.update(temporal.api.common.v1.Payload.encode(answers).finish()),
    cipher.final(),
  ]);
  const formatOne: Payload = {
    metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(KEY.id) },
    data: Buffer.concat([iv, body, cipher.getAuthTag()]),
  };
  for (const context of [undefined, lifecycle('assembly-a'), lifecycle('assembly-b')]) {
    expect(await codec.decode([formatOne], context)).toEqual([
      expect.objectContaining({ data: answers.data }),
    ]);
  }
});

/** The first payload of a history the codec wrote before binding, and the test key it used. */
function recordedPreBindingInput() {
  const dir = path.resolve(__dirname, '..', 'histories', 'encrypted');
  const problems: string[] = [];
  const keys = parseEncryptionKeys(
    readFileSync(path.join(dir, 'payload-keys.txt'), 'utf8'),
    'keys',
    problems,
  );
  const { workflowId, history } = JSON.parse(
    readFileSync(path.join(dir, 'format-1-interview-follow-up-finished.json'), 'utf8'),
  ) as {
    workflowId: string;
    history: {
      events: { workflowExecutionStartedEventAttributes?: { input: { payloads: PayloadJson[] } } }[];
    };
  };
  const input =
    history.events[0]!.workflowExecutionStartedEventAttributes!.input.payloads.map(payloadFromJson);
  return { keys, workflowId, input: input[0]! };
}

test('the recorded pre-binding history decodes, under its own lifecycle and without one', async () => {
  const { keys, workflowId, input } = recordedPreBindingInput();
  expect(input.metadata![FORMAT_METADATA]).toBeUndefined();
  const recorded = new AesGcmPayloadCodec(keys);
  for (const context of [undefined, lifecycle(workflowId)]) {
    const [decoded] = await recorded.decode([input], context);
    expect(JSON.stringify(defaultPayloadConverter.fromPayload(decoded!))).toContain('Recorded Tenant');
  }
});

test('a format this release does not know is refused with a clear error', async () => {
  const forA = await boundTo(lifecycle('assembly-a'));
  const future = { ...forA, metadata: { ...forA.metadata, [FORMAT_METADATA]: Buffer.from('3') } };
  await expect(codec.decode([future], lifecycle('assembly-a'))).rejects.toThrow(
    'payload is in encryption format "3", which this release cannot read (written by a newer one?)',
  );
});

describe('the codec endpoint', () => {
  const TOKEN = 'codec-token';
  let server: FastifyInstance;
  let base: string;
  const recorded = recordedPreBindingInput();
  beforeAll(async () => {
    // The current key encrypts; the recorded history's (an older key) still decrypts.
    server = await buildCodecServer({
      codec: new AesGcmPayloadCodec([KEY, ...recorded.keys]),
      tokenHashes: [sha256Hex(TOKEN)],
      corsOrigins: [],
    });
    base = await server.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
  });

  const post = (direction: 'encode' | 'decode', payloads: Payload[], headers: Record<string, string> = {}) =>
    fetch(`${base}/codec/${direction}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
      body: JSON.stringify({ payloads: payloads.map(payloadToJson) }),
    });

  test('encode mints nothing without a lifecycle: Temporal UI and the CLI name none', async () => {
    const response = await post('encode', [answers], { 'x-namespace': 'default' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'lifecycle-required',
        message:
          'name the lifecycle the payloads are for (headers x-workflow-id and x-namespace): encrypted payloads ' +
          'are bound to one lifecycle, and this endpoint mints none that any lifecycle would accept',
      },
    });
  });

  test('encode binds to the lifecycle the request names; decode reads bound, unbound and older payloads', async () => {
    const response = await post('encode', [answers], {
      'x-namespace': 'default',
      'x-workflow-id': 'assembly-a',
    });
    expect(response.status).toBe(200);
    const [minted] = ((await response.json()) as { payloads: PayloadJson[] }).payloads.map(payloadFromJson);
    expect(await codec.decode([minted!], lifecycle('assembly-a'))).toHaveLength(1);
    await expect(codec.decode([minted!], lifecycle('assembly-b'))).rejects.toBeInstanceOf(
      PayloadBindingError,
    );

    const decoded = await post('decode', [
      minted!,
      await boundTo(undefined),
      await boundTo(lifecycle('assembly-c')),
    ]);
    expect(decoded.status).toBe(200);
    const plain = ((await decoded.json()) as { payloads: PayloadJson[] }).payloads.map(payloadFromJson);
    expect(plain.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      defaultPayloadConverter.fromPayload(answers),
      defaultPayloadConverter.fromPayload(answers),
      defaultPayloadConverter.fromPayload(answers),
    ]);
  });
});
