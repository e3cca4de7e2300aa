import type { FastifyRequest } from 'fastify';
import type { GatewayError } from './errors';

/**
 * The small pages a person sees after pressing Finish: the interview's form post navigates the
 * browser to the finish link, so the answer lands in front of a person, not a script.
 */

const STYLE =
  'body{font-family:system-ui,sans-serif;margin:3rem auto;max-width:36rem;padding:0 1rem;color:#222}' +
  '.hd-meta{color:#666;font-size:.85rem}';

/** True when the caller prefers a page: a browser navigation names text/html in Accept. */
export function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept);
}

/**
 * `accepted`: the lifecycle took the Finish; `signalled`: it was handed to Temporal's server while
 * no worker ran, and the lifecycle takes it when one is back — the person's answers are safe
 * either way, so the page says the same, and only its state tells the two apart.
 */
export function renderThankYouPage(outcome: 'accepted' | 'signalled' = 'accepted'): string {
  const when = outcome === 'accepted' ? 'are being prepared' : 'will be prepared shortly';
  return page(
    'Thank you',
    outcome === 'accepted' ? 'finished' : 'received',
    '<h1>Thank you</h1>\n<p id="hd-gateway-status" role="status">Your answers were received. ' +
      `Your documents ${when}; you can close this page.</p>`,
  );
}

export function renderFinishErrorPage(error: GatewayError): string {
  const text: Record<string, string> = {
    'finish-link-used': 'This interview has already been finished. Nothing more is needed.',
    'finish-link-expired': 'This link has expired. Please ask for a new one.',
    'finish-link-invalid': 'This link is not valid.',
    'finish-in-progress': 'Your answers are being sent right now. Please try again in a moment.',
    'rate-limited': 'Too many attempts. Please wait a minute and try again.',
    'temporal-unavailable': 'Your answers could not be sent just now. Please try again in a moment.',
  };
  const message = text[error.code] ?? 'Something went wrong; please try again in a moment.';
  return page(
    'Interview not finished',
    error.code,
    `<h1>Interview not finished</h1>\n<p id="hd-gateway-status" role="status">${escapeHtml(message)}</p>\n` +
      `<p class="hd-meta">${escapeHtml(error.code)}</p>`,
  );
}

function page(title: string, state: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body data-state="${escapeHtml(state)}">
<main>
${body}
</main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
