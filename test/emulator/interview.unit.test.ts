import { Script } from 'node:vm';
import type { SessionJson } from '../../tools/emulator';
import {
  emulatorHarness,
  http,
  newId,
  type ListedDocument,
  type TestEmulator,
} from '../support/emulator-harness';

const harness = emulatorHarness();

const HOSTILE_ANSWERS = `<AnswerSet version="1.1">
  <Answer name="Client Name"><TextValue>Ana Lima</TextValue></Answer>
  <Answer name="Quote &quot;x&quot;"><TextValue>&lt;/script&gt;&lt;script&gt;alert("hi")&lt;/script&gt; &amp; 'more'</TextValue></Answer>
</AnswerSet>`;

async function begunSession(
  options: Parameters<typeof harness.start>[0] = {},
): Promise<{ test: TestEmulator; token: string; id: string; session: SessionJson }> {
  const test = await harness.start(options);
  const token = await test.login();
  const id = newId();
  await test.createWorkItem(token, id, { answerXml: HOSTILE_ANSWERS });
  const session = (await test.begin(token, id, newId())).json<SessionJson>();
  return { test, token, id, session };
}

describe('interview.js', () => {
  it('is served at interviewJsUrl and defines HDInterview.loadInterview for the session', async () => {
    const { session } = await begunSession();
    const script = await http('GET', session.interviewJsUrl);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.headers['access-control-allow-origin']).toBe('*');
    expect(script.text).toContain('window.HDInterview = { loadInterview: loadInterview');
    expect(script.text).toContain(session.coreSessionId);
    // It compiles, and no answer value can close the script element it may be inlined in.
    expect(() => new Script(script.text)).not.toThrow();
    expect(script.text).not.toContain('</script>');
  });

  it('answers 404 for unknown sessions', async () => {
    const { test } = await begunSession();
    const response = await http('GET', test.control(`/interview/${newId()}/interview.js`));
    expect(response.status).toBe(404);
  });
});

describe('the standalone interview page', () => {
  it('shows the work item name, one escaped input per answer, a Notes field, Finish and a status', async () => {
    const { test, session } = await begunSession();
    const page = await http('GET', test.control(`/interview/${session.coreSessionId}`));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const html = page.text;
    expect(html).toContain('<h1>Engagement letter</h1>');
    expect(html).toContain('<form id="hd-interview"');
    expect(html).toContain('name="answer:Client Name" value="Ana Lima"');
    expect(html).toContain('name="answer:Quote &quot;x&quot;"');
    expect(html).toContain(
      'value="&lt;/script&gt;&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt; &amp; &#39;more&#39;"',
    );
    expect(html).toContain('name="answer:Notes" value=""');
    expect(html).toContain('<button type="submit" id="hd-finish">Finish</button>');
    expect(html).toContain('id="hd-status"');
    expect(html).toContain(
      `<script src="/__emulator/interview/${session.coreSessionId}/interview.js"></script>`,
    );
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('{"finishUrl":null}');
  });

  it('takes the finish URL from ?finishUrl=, else from the interviewFinishUrl template', async () => {
    const { test, id, session } = await begunSession({
      interviewFinishUrl: 'http://gateway.test/finish/{workItemId}?version={versionId}&core={coreSessionId}',
    });
    const templated = await http('GET', test.control(`/interview/${session.coreSessionId}`));
    expect(templated.text).toContain(
      `{"finishUrl":"http://gateway.test/finish/${id}?version=${session.versionId}\\u0026core=${session.coreSessionId}"}`,
    );
    const query = encodeURIComponent('http://host.test/done</script>');
    const explicit = await http(
      'GET',
      test.control(`/interview/${session.coreSessionId}?finishUrl=${query}`),
    );
    expect(explicit.text).toContain('{"finishUrl":"http://host.test/done\\u003c/script\\u003e"}');
  });

  it('refuses a finish URL that is not http(s): Finish must never run script on this origin', async () => {
    const { test, session } = await begunSession();
    for (const finishUrl of [
      'javascript:alert(document.cookie)',
      'data:text/html,<p>x',
      'relative/path',
      'ftp://x.test/',
    ]) {
      const page = await http(
        'GET',
        test.control(`/interview/${session.coreSessionId}?finishUrl=${encodeURIComponent(finishUrl)}`),
      );
      expect([finishUrl, page.status]).toEqual([finishUrl, 400]);
      expect(page.text).toContain('finishUrl must be an absolute http(s) URL');
      expect(page.text).not.toContain('HDInterview.attach');
    }
    const https = await http(
      'GET',
      test.control(
        `/interview/${session.coreSessionId}?finishUrl=${encodeURIComponent('https://gw.test/v1/finish/t')}`,
      ),
    );
    expect(https.status).toBe(200);
  });

  it('answers 404 pages for unknown sessions and sessions no longer in progress', async () => {
    const { test, token, id, session } = await begunSession();
    const unknown = await http('GET', test.control(`/interview/${newId()}`));
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('No interview session');

    await test.complete(token, id);
    const finished = await http('GET', test.control(`/interview/${session.coreSessionId}`));
    expect(finished.status).toBe(404);
    expect(finished.text).toContain('no longer in progress');
    expect((await http('GET', session.interviewJsUrl)).status).toBe(404);
  });
});

describe('the answers post (Finish)', () => {
  it('updates the in-progress session so the assembled PDF shows what was typed', async () => {
    const { test, token, id, session } = await begunSession();
    const answersUrl = test.control(`/interview/${session.coreSessionId}/answers`);
    const posted = await http('POST', answersUrl, {
      body: { answers: { 'Client Name': 'Bruno Costa', 'Quote "x"': 'plain now', Notes: 'Call after 5' } },
    });
    expect(posted.status).toBe(200);
    expect(posted.json()).toEqual({
      workItemId: id,
      versionId: session.versionId,
      answers: { 'Client Name': 'Bruno Costa', 'Quote "x"': 'plain now', Notes: 'Call after 5' },
    });

    await test.complete(token, id);
    const documents = (await test.listDocuments(token, id)).json<ListedDocument[]>();
    const pdf = await test.download(token, id, documents[0]?.id ?? '');
    const text = pdf.bytes.toString('latin1');
    expect(text).toContain('(Client Name: Bruno Costa) Tj');
    expect(text).toContain('(Notes: Call after 5) Tj');
    const xml = await test.download(token, id, documents[1]?.id ?? '');
    expect(xml.text).toContain('<Answer name="Notes"><TextValue>Call after 5</TextValue></Answer>');
  });

  it('rejects invalid posts and posts to sessions no longer in progress', async () => {
    const { test, token, id, session } = await begunSession();
    const answersUrl = test.control(`/interview/${session.coreSessionId}/answers`);
    expect((await http('POST', answersUrl, { body: { answers: { a: 1 } } })).status).toBe(400);
    expect((await http('POST', answersUrl, { body: '{nope' })).status).toBe(400);
    await test.save(token, id);
    const late = await http('POST', answersUrl, { body: { answers: { a: 'b' } } });
    expect(late.status).toBe(404);
    expect(late.json<{ message: string }>().message).toContain('no longer in progress');
  });

  it('allows cross-origin posts from host pages (CORS preflight)', async () => {
    const { test, session } = await begunSession();
    const preflight = await http('OPTIONS', test.control(`/interview/${session.coreSessionId}/answers`), {
      headers: { origin: 'http://host.test', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-headers']).toBe('content-type');
  });
});
