import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  parseEncryptionKeys,
  PayloadDecryptionError,
} from '../../src/codec';

const key = (id: string) => ({ id, key: randomBytes(32) });
const payload = defaultPayloadConverter.toPayload({
  answerXml: '<AnswerSet><Answer name="Tenant"/></AnswerSet>',
});

test('round trip; the ciphertext names its key and shows no plaintext', async () => {
  const codec = new AesGcmPayloadCodec([key('2026-11')]);
  const [encrypted] = await codec.encode([payload]);
  expect(Buffer.from(encrypted!.metadata!['encoding']!).toString()).toBe(ENCRYPTED_ENCODING);
  expect(Buffer.from(encrypted!.metadata![KEY_ID_METADATA]!).toString()).toBe('2026-11');
  expect(Buffer.from(encrypted!.data!).toString('latin1')).not.toContain('AnswerSet');
  const [decrypted] = await codec.decode([encrypted!]);
  expect(defaultPayloadConverter.fromPayload(decrypted!)).toEqual({
    answerXml: '<AnswerSet><Answer name="Tenant"/></AnswerSet>',
  });
});

test('rotation: encrypt with the current key, decrypt with any configured one', async () => {
  const old = key('old');
  const current = key('new');
  const [byOld] = await new AesGcmPayloadCodec([old]).encode([payload]);
  const rotated = new AesGcmPayloadCodec([current, old]);
  const [byNew] = await rotated.encode([payload]);
  expect(Buffer.from(byNew!.metadata![KEY_ID_METADATA]!).toString()).toBe('new');
  expect(await rotated.decode([byOld!, byNew!])).toEqual(
    [payload, payload].map((p) => expect.objectContaining({ data: p.data })),
  );
  await expect(new AesGcmPayloadCodec([current]).decode([byOld!])).rejects.toThrow(
    /key "old", which is not configured/,
  );
});

test('tampering and relabelling fail authentication', async () => {
  const a = key('a');
  const b = { id: 'b', key: a.key };
  const codec = new AesGcmPayloadCodec([a, b]);
  const [encrypted] = await codec.encode([payload]);
  const tampered = { ...encrypted!, data: Buffer.from(encrypted!.data!) };
  tampered.data[20] = tampered.data[20]! ^ 1;
  await expect(codec.decode([tampered])).rejects.toBeInstanceOf(PayloadDecryptionError);
  const relabelled = {
    ...encrypted!,
    metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: Buffer.from('b') },
  };
  await expect(codec.decode([relabelled])).rejects.toThrow(/failed authentication/);
});

test('payloads that are not encrypted pass through decode', async () => {
  const codec = new AesGcmPayloadCodec([key('k')]);
  expect(await codec.decode([payload])).toEqual([payload]);
});

test('key parsing reports problems without key material', () => {
  const good = randomBytes(32).toString('base64');
  const problems: string[] = [];
  const keys = parseEncryptionKeys(`k1:${good}, k2:${good}`, 'PAYLOAD_ENCRYPTION_KEYS', problems);
  expect(keys.map((k) => k.id)).toEqual(['k1', 'k2']);
  expect(problems).toEqual([]);
  const short = randomBytes(16).toString('base64');
  parseEncryptionKeys(`bad:${short},nocolon,k1:${good},k1:${good}`, 'PAYLOAD_ENCRYPTION_KEYS', problems);
  expect(problems).toEqual([
    'PAYLOAD_ENCRYPTION_KEYS: key "bad" must be 32 bytes in base64 (openssl rand -base64 32)',
    'PAYLOAD_ENCRYPTION_KEYS: entry 2 must look like <key-id>:<base64 of 32 bytes>',
    'PAYLOAD_ENCRYPTION_KEYS: key id "k1" appears twice',
  ]);
  expect(problems.join(' ')).not.toContain(short);
});
