import * as crypto from 'node:crypto';
import { isStatusEvent, readAdvanceWebhookPost } from '../../src/gateway/advance-webhook-payload';
import { expectedHmacToken, verifyAdvanceWebhook } from '../../src/security/advance-webhooks';
import { webhookRequest } from '../../tools/emulator/webhook-sender';

/** The webhook credential check and the lenient payload reading, without a server. */

const CODE = 'an-hmac-code-from-advance-0123456789';
const BEARER = 'b'.repeat(40);

// node:crypto's exports cannot be spied on in place: the module is wrapped to count the calls.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

afterEach(() => jest.clearAllMocks());

test('every credential comparison is constant-time over equal-length digests', () => {
  const compare = jest.mocked(crypto.timingSafeEqual);
  expect(verifyAdvanceWebhook({ hmacCode: CODE, hmacCovers: 'nothing' }, { token: 'short' })).toBe(false);
  expect(
    verifyAdvanceWebhook(
      { bearerToken: BEARER, hmacCovers: 'nothing' },
      { authorization: `Bearer ${BEARER}` },
    ),
  ).toBe(true);
  expect(compare).toHaveBeenCalledTimes(2);
  for (const [a, b] of compare.mock.calls) {
    expect((a as Buffer).length).toBe(32);
    expect((b as Buffer).length).toBe(32);
  }
});

test('the HMAC code is taken only from the token field, the access token only from Authorization', () => {
  const both = { hmacCode: CODE, bearerToken: BEARER, hmacCovers: 'nothing' as const };
  expect(verifyAdvanceWebhook(both, { token: CODE })).toBe(true);
  expect(verifyAdvanceWebhook(both, { authorization: `Bearer ${CODE}` })).toBe(false);
  expect(verifyAdvanceWebhook(both, { token: BEARER })).toBe(false);
  expect(verifyAdvanceWebhook(both, { authorization: `bearer ${BEARER}` })).toBe(true);
  expect(verifyAdvanceWebhook(both, {})).toBe(false);
});

test('with hmacCovers work-item the token is HMAC-SHA256 of the posted work item id, and needs one', () => {
  const credentials = { hmacCode: CODE, hmacCovers: 'work-item' as const };
  const id = '0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22';
  const token = crypto.createHmac('sha256', CODE).update(id).digest('hex');
  expect(expectedHmacToken(credentials, id)).toBe(token);
  expect(verifyAdvanceWebhook(credentials, { token, workItemId: id })).toBe(true);
  expect(verifyAdvanceWebhook(credentials, { token, workItemId: id.toUpperCase() })).toBe(false);
  expect(verifyAdvanceWebhook(credentials, { token })).toBe(false);
});

test('both payload formats, in both encodings, read as the same post', () => {
  const post = {
    event: 'NewWorkItemVersionComplete' as const,
    workItemId: '0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22',
    versionId: '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11',
    at: '2026-12-08T00:00:00.000Z',
  };
  for (const payload of ['standard', 'legacy'] as const) {
    for (const encoding of ['form', 'json'] as const) {
      const { body } = webhookRequest(
        {
          url: 'http://x.invalid/',
          verification: 'hmac-token',
          secret: CODE,
          payload,
          encoding,
          hmacCovers: 'nothing',
          events: ['NewWorkItemVersionComplete'],
        },
        post,
      );
      const parsed = encoding === 'json' ? JSON.parse(body) : Object.fromEntries(new URLSearchParams(body));
      expect(readAdvanceWebhookPost(parsed)).toEqual({
        event: post.event,
        workItemId: post.workItemId,
        versionId: post.versionId,
        token: CODE,
      });
    }
  }
});

test('a nested payload and a workItem object are read; what is not an object reads as nothing', () => {
  expect(
    readAdvanceWebhookPost({ payload: '{"EventType":"PostProcessingEvent","WorkItem":{"Id":"abc"}}' }),
  ).toEqual({
    event: 'PostProcessingEvent',
    workItemId: 'abc',
  });
  expect(readAdvanceWebhookPost({ payload: 'not json' })).toEqual({});
  expect(readAdvanceWebhookPost('text')).toEqual({});
  expect(readAdvanceWebhookPost(undefined)).toEqual({});
});

test('the lifecycle acts on completion and post-processing events only', () => {
  expect(isStatusEvent('NewWorkItemVersionComplete')).toBe(true);
  expect(isStatusEvent('postprocessingevent')).toBe(true);
  expect(isStatusEvent('InterviewLoadEvent')).toBe(false);
  expect(isStatusEvent('CustomInterviewEvent')).toBe(false);
  expect(isStatusEvent(undefined)).toBe(false);
});
