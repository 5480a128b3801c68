import type { UnsubscribePage } from '../../services/unsubscribe.js';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font:inherit;padding:.5rem 1.25rem;cursor:pointer}.muted{color:#666;font-size:.9rem}</style>
</head><body>${body}</body></html>
`;
}

/** The confirmation page of an unsubscribe link: a form that POSTs the RFC 8058 one-click body to the same URL. */
export function confirmPage(p: UnsubscribePage, token: string): string {
  if (p.already) return donePage(p.maskedEmail, false);
  const from = p.campaignName ? ` from “${escapeHtml(p.campaignName)}” and all our campaigns` : '';
  return layout('Unsubscribe', `<h1>Unsubscribe</h1>
<p>Stop sending email to <strong>${escapeHtml(p.maskedEmail)}</strong>${from}?</p>
<form method="post" action="/u/${escapeHtml(token)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>
<p class="muted">Nothing changes until you press the button.</p>`);
}

/** The page after unsubscribing (or when the address was already unsubscribed). */
export function donePage(maskedEmail: string, changed: boolean): string {
  return layout('Unsubscribed', `<h1>You are unsubscribed</h1>
<p><strong>${escapeHtml(maskedEmail)}</strong> ${changed ? 'will' : 'already will'} not receive our campaigns any more.</p>`);
}

/** An error page naming the stable code, for browsers (API clients get the JSON error). */
export function errorPage(code: string, message: string): string {
  return layout('Unsubscribe link', `<h1>This link cannot be used</h1><p>${escapeHtml(message)}</p><p class="muted">Error code ${escapeHtml(code)}</p>`);
}
