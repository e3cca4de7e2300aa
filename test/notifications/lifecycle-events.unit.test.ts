import { z } from 'zod';
import { lifecycleEventSchema } from '../../src/client';
import {
  documentHref,
  LIFECYCLE_EVENT_TYPES,
  lifecycleEvent,
  MAX_EVENT_REASON_CHARS,
  withDocumentLinks,
  type LifecycleFacts,
} from '../../src/notifications/lifecycle-events';
import type { LifecycleDocument } from '../../src/workflows/lifecycle-status';

/** Events as the workflow builds them, and the schema receivers (and other languages) get. */

const stamp = { id: '7d9c2f1e-5b1a-4c3e-9f0d-8a7b6c5d4e3f', occurredAt: '2026-09-21T10:00:00.000Z' };
const stored: LifecycleDocument = {
  documentId: 'doc-1',
  name: 'Lease',
  fileName: 'Lease.pdf',
  contentType: 'application/pdf',
  size: 1234,
  sha256: 'c'.repeat(64),
  reference: 'file:///var/lib/hotdocs/documents/w/v/doc-1/Lease.pdf',
};
const facts: LifecycleFacts = {
  lifecycleId: 'assembly-lease-42',
  businessKey: 'lease-42',
  workItemId: '0b7c8e4e-54b4-4d43-9c8f-2a0f1e3d4c5b',
};

test('session.completed carries the session and its documents, never the store reference', () => {
  const event = lifecycleEvent(
    'session.completed',
    { ...facts, versionId: 'v-1', documents: [stored] },
    stamp,
  );
  expect(event).toEqual({
    ...stamp,
    type: 'session.completed',
    lifecycleId: 'assembly-lease-42',
    businessKey: 'lease-42',
    workItemId: facts.workItemId,
    versionId: 'v-1',
    outcome: 'assembled',
    documents: [
      {
        documentId: 'doc-1',
        fileName: 'Lease.pdf',
        contentType: 'application/pdf',
        size: 1234,
        sha256: 'c'.repeat(64),
      },
    ],
  });
  expect(JSON.stringify(event)).not.toContain('file://');
  const unassembled = lifecycleEvent(
    'session.completed',
    { ...facts, assembled: false, documents: [] },
    stamp,
  );
  expect(unassembled.outcome).toBe('not-assembled');
  // A document without a file name is named by its Advance name.
  const named = lifecycleEvent(
    'session.completed',
    { ...facts, documents: [{ documentId: 'd', name: 'Answers' }] },
    stamp,
  );
  expect(named.documents).toEqual([{ documentId: 'd', fileName: 'Answers' }]);
});

test('lifecycle.* events say how the lifecycle ended; a long reason is clipped', () => {
  const outcomes = LIFECYCLE_EVENT_TYPES.filter((t) => t.startsWith('lifecycle.')).map(
    (type) => lifecycleEvent(type, facts, stamp).outcome,
  );
  expect(outcomes).toEqual(['completed', 'expired', 'failed', 'cancelled']);
  const failed = lifecycleEvent('lifecycle.failed', { ...facts, reason: 'x'.repeat(5000) }, stamp);
  expect(failed.reason).toHaveLength(MAX_EVENT_REASON_CHARS);
  expect(failed).not.toHaveProperty('documents');
  expect(failed).not.toHaveProperty('tenancy');
});

test("lifecycle.* events list the operators' repairs (who and why); session events do not", () => {
  const repairs = [
    {
      action: 'retry',
      by: 'ops',
      note: 'password rotated',
      at: '2026-09-21T09:00:00.000Z',
      reason: 'credentials-refused',
      call: 'acquireToken',
    },
    { action: 'retry', at: '2026-09-21T09:30:00.000Z', reason: 'forbidden', call: 'createWorkItem' },
  ];
  expect(lifecycleEvent('lifecycle.completed', { ...facts, repairs }, stamp).repairs).toEqual(repairs);
  expect(lifecycleEvent('lifecycle.failed', { ...facts, repairs }, stamp).repairs).toEqual(repairs);
  expect(lifecycleEvent('session.completed', { ...facts, repairs }, stamp)).not.toHaveProperty('repairs');
  expect(lifecycleEvent('lifecycle.completed', { ...facts, repairs: [] }, stamp)).not.toHaveProperty(
    'repairs',
  );
  expect(
    lifecycleEventSchema.parse(lifecycleEvent('lifecycle.completed', { ...facts, repairs }, stamp)),
  ).toMatchObject({
    repairs,
  });
});

test('session.completed of a session an operator accepted as completed names that repair and who made it', () => {
  const acceptedBy = {
    action: 'accept-completed',
    by: 'ops-jane',
    note: 'version 2 is completed in Advance',
    at: '2026-09-21T09:00:00.000Z',
    reason: 'outcome-unconfirmed',
    call: 'completeSession',
  };
  const event = lifecycleEvent('session.completed', { ...facts, acceptedBy }, stamp);
  expect(event.acceptedBy).toEqual(acceptedBy);
  expect(lifecycleEventSchema.parse(event)).toMatchObject({ acceptedBy });
  expect(lifecycleEvent('session.completed', facts, stamp)).not.toHaveProperty('acceptedBy');
  expect(lifecycleEvent('lifecycle.completed', { ...facts, acceptedBy }, stamp)).not.toHaveProperty(
    'acceptedBy',
  );
});

test('document links point at the gateway route, path segments escaped', () => {
  expect(documentHref('https://docs.example.com/', 'assembly-a/b', 'doc 1')).toBe(
    'https://docs.example.com/v1/assemblies/assembly-a%2Fb/documents/doc%201',
  );
  const event = lifecycleEvent('session.completed', { ...facts, documents: [stored] }, stamp);
  expect(withDocumentLinks(event, undefined)).toBe(event);
  expect(withDocumentLinks(event, 'https://docs.example.com').documents?.[0]?.href).toBe(
    'https://docs.example.com/v1/assemblies/assembly-lease-42/documents/doc-1',
  );
  const ended = lifecycleEvent('lifecycle.completed', facts, stamp);
  expect(withDocumentLinks(ended, 'https://docs.example.com')).toBe(ended);
});

test('the zod schema accepts every event the builder makes, and fields added later', () => {
  for (const type of LIFECYCLE_EVENT_TYPES) {
    const event = withDocumentLinks(
      lifecycleEvent(
        type,
        { ...facts, tenancy: 'acme', versionId: 'v', documents: [stored], reason: 'r' },
        stamp,
      ),
      'https://docs.example.com',
    );
    expect(lifecycleEventSchema.parse(event)).toEqual(event);
  }
  const later = { ...lifecycleEvent('lifecycle.completed', facts, stamp), addedLater: true };
  expect(lifecycleEventSchema.safeParse(later).success).toBe(true);
});

test('the zod schema refuses what no sender of ours produces', () => {
  const event = lifecycleEvent('lifecycle.completed', facts, stamp);
  const bad = [
    { ...event, type: 'lifecycle.paused' },
    { ...event, id: '' },
    { ...event, occurredAt: 'yesterday' },
    { ...event, documents: [{ documentId: 'd', fileName: 'f', sha256: 'not-hex' }] },
  ];
  expect(bad.map((b) => lifecycleEventSchema.safeParse(b).success)).toEqual([false, false, false, false]);
});

test('the JSON Schema generated from it names every type and required field', () => {
  const schema = z.toJSONSchema(lifecycleEventSchema) as unknown as {
    $defs: { LifecycleEvent: { required: string[]; properties: { type: { enum: string[] } } } };
  };
  const definition = schema.$defs.LifecycleEvent;
  expect(definition.properties.type.enum).toEqual([...LIFECYCLE_EVENT_TYPES]);
  expect(definition.required.sort()).toEqual(['id', 'lifecycleId', 'occurredAt', 'type', 'workItemId']);
});
