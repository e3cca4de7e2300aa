import { escapeHtml, jsonForScript } from './html';
import type { InterviewSession } from './interview-session';

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:40rem;padding:0 1rem;color:#222}
label{display:inline-block;min-width:12rem;font-weight:600}input{padding:.3rem;width:18rem}
button{margin-top:1rem;padding:.5rem 1.5rem}.hd-meta{color:#666;font-size:.85rem}#hd-status{min-height:1.5rem}`;

/**
 * The standalone interview page: the form is rendered on the server (every value escaped) and
 * interview.js wires the Finish button, so page and host-embedded interview behave the same.
 */
export function renderInterviewPage(session: InterviewSession, finishUrl: string | null): string {
  const rows = session.fields
    .map(
      (field, index) =>
        `<p><label for="hd-answer-${index}">${escapeHtml(field.name)}</label> ` +
        `<input type="text" id="hd-answer-${index}" name="answer:${escapeHtml(field.name)}" value="${escapeHtml(field.value)}"></p>`,
    )
    .join('\n');
  const scriptUrl = `/__emulator/interview/${encodeURIComponent(session.coreSessionId)}/interview.js`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Interview: ${escapeHtml(session.workItemName)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<form id="hd-interview" method="post" action="#">
<h1>${escapeHtml(session.workItemName)}</h1>
<p class="hd-meta">HotDocs Advance emulator &middot; work item ${escapeHtml(session.workItemId)} &middot; version ${escapeHtml(session.versionId)}</p>
${rows}
<button type="submit" id="hd-finish">Finish</button>
<p id="hd-status" role="status"></p>
</form>
</main>
<script src="${escapeHtml(scriptUrl)}"></script>
<script>HDInterview.attach(document.getElementById('hd-interview'), ${jsonForScript({ finishUrl })});</script>
</body>
</html>
`;
}

export function renderInterviewUnavailablePage(message: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Interview not available</title><style>${STYLE}</style></head>
<body>
<main>
<h1>Interview not available</h1>
<p id="hd-status" role="status">${escapeHtml(message)}</p>
</main>
</body>
</html>
`;
}
