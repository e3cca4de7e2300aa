import { jsonForScript } from './html';
import type { InterviewSession } from './interview-session';

/**
 * interview.js: the stand-in for the HotDocs browser interview script. It defines a global
 * `HDInterview` with `loadInterview({ container, coreSessionId, finishUrl })`, which renders the
 * form into a host page, and `attach(form, { finishUrl })`, which the standalone page uses on its
 * server-rendered form. Plain ES5 so it runs in any browser without a build step.
 */
export function renderInterviewScript(session: InterviewSession): string {
  return `/* HotDocs Advance emulator: interview for session ${session.coreSessionId} */
(function () {
  'use strict';
  var SESSION = ${jsonForScript(session)};
  var script = document.currentScript;
  // Post answers back to wherever this script came from, even if publicUrl names another host.
  var base = script && script.src ? script.src.replace(/\\/interview\\.js(?:[?#].*)?$/i, '') : SESSION.pageUrl;

  function setStatus(form, text) {
    var status = form.querySelector('#hd-status') || document.getElementById('hd-status');
    if (status) status.textContent = text;
  }

  function collectAnswers(form) {
    var answers = {};
    var inputs = form.querySelectorAll('[name^="answer:"]');
    for (var i = 0; i < inputs.length; i++) answers[inputs[i].name.slice(7)] = inputs[i].value;
    return answers;
  }

  // The Finish post the integrator's server receives: a plain form post, as a browser would send.
  // Only to an http(s) URL: a javascript: or data: "finish URL" would run script on this page.
  function postFinish(finishUrl) {
    var protocol = new URL(finishUrl, window.location.href).protocol;
    if (protocol !== 'http:' && protocol !== 'https:') throw new Error('finishUrl must be an http(s) URL');
    var form = document.createElement('form');
    form.method = 'post';
    form.action = finishUrl;
    form.style.display = 'none';
    [['workItemId', SESSION.workItemId], ['versionId', SESSION.versionId], ['coreSessionId', SESSION.coreSessionId]]
      .forEach(function (pair) {
        var input = document.createElement('input');
        input.type = 'hidden';
        input.name = pair[0];
        input.value = pair[1];
        form.appendChild(input);
      });
    document.body.appendChild(form);
    form.submit();
  }

  function failure(response) {
    return response.json().then(
      function (body) { throw new Error(body && body.message ? body.message : 'HTTP ' + response.status); },
      function () { throw new Error('HTTP ' + response.status); }
    );
  }

  function attach(form, options) {
    var finishUrl = (options && options.finishUrl) || SESSION.finishUrl;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var button = form.querySelector('#hd-finish');
      if (button) button.disabled = true;
      setStatus(form, 'Saving answers\\u2026');
      fetch(base + '/answers', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ answers: collectAnswers(form) })
      })
        .then(function (response) {
          if (!response.ok) return failure(response);
          if (finishUrl) {
            setStatus(form, 'Finishing\\u2026');
            postFinish(finishUrl);
          } else {
            setStatus(form, 'Interview finished');
          }
        })
        .catch(function (error) {
          if (button) button.disabled = false;
          setStatus(form, 'Could not save the answers: ' + error.message);
        });
    });
    return form;
  }

  function element(tag, properties) {
    var node = document.createElement(tag);
    for (var key in properties) node[key] = properties[key];
    return node;
  }

  function buildForm(container) {
    var form = element('form', { id: 'hd-interview' });
    form.appendChild(element('h1', { textContent: SESSION.workItemName }));
    SESSION.fields.forEach(function (field, index) {
      var row = element('p', {});
      row.appendChild(element('label', { htmlFor: 'hd-answer-' + index, textContent: field.name }));
      row.appendChild(document.createTextNode(' '));
      row.appendChild(element('input', { type: 'text', id: 'hd-answer-' + index, name: 'answer:' + field.name, value: field.value }));
      form.appendChild(row);
    });
    form.appendChild(element('button', { type: 'submit', id: 'hd-finish', textContent: 'Finish' }));
    var status = element('p', { id: 'hd-status' });
    status.setAttribute('role', 'status');
    form.appendChild(status);
    while (container.firstChild) container.removeChild(container.firstChild);
    container.appendChild(form);
    return form;
  }

  function loadInterview(options) {
    options = options || {};
    var container = typeof options.container === 'string' ? document.querySelector(options.container) : options.container;
    if (!container) throw new Error('HDInterview.loadInterview: container not found');
    if (options.coreSessionId && String(options.coreSessionId).toLowerCase() !== SESSION.coreSessionId) {
      throw new Error('HDInterview.loadInterview: this script serves interview session ' + SESSION.coreSessionId);
    }
    return attach(buildForm(container), { finishUrl: options.finishUrl });
  }

  window.HDInterview = { loadInterview: loadInterview, attach: attach, session: SESSION };
})();
`;
}
