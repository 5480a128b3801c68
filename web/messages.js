// Messages page: recent messages, a message's details and events, the captured outbox (#/messages[/ID]).
import { $, api, auth, badge, el, every, fields, fmtTime, isAuthError, showBanner } from './core.js';

const REFRESH_MS = 3000;

const state = {
  selectedId: null,
  shownUpdatedAt: null, // updated_at of the message in the detail pane, to know when to reload it
  listBusy: false,
  listAgain: false, // a reload was asked for while one was running (e.g. the filter changed)
  poll: null,
};

async function loadList() {
  if (!auth.key || auth.failed) return;
  if (state.listBusy) { state.listAgain = true; return; }
  state.listBusy = true;
  state.listAgain = false;
  try {
    const status = $('status-filter').value;
    const q = new URLSearchParams({ limit: '50' });
    if (status) q.set('status', status);
    const { data } = await api(`/api/v1/emails?${q}`);
    renderList(data);
    $('list-meta').textContent = `${data.length} message${data.length === 1 ? '' : 's'} · updated ${new Date().toLocaleTimeString()}`;
    if (!auth.failed) showBanner('');
    const sel = data.find((m) => m.id === state.selectedId);
    if (sel && sel.updated_at !== state.shownUpdatedAt) await loadDetail(sel.id);
  } catch (err) {
    if (!isAuthError(err)) showBanner(`Could not load messages: ${err.message}`);
  } finally {
    state.listBusy = false;
    if (state.listAgain) loadList();
  }
}

function renderList(messages) {
  const rows = messages.map((m) => el('tr', {
    tabIndex: 0,
    className: m.id === state.selectedId ? 'selected' : '',
    dataset: { id: m.id, status: m.status },
    onclick: () => select(m.id),
    onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(m.id); } },
  },
  el('td', {}, badge(m.status)),
  el('td', { className: 'to', title: m.to }, m.to),
  el('td', { className: m.template_id ? '' : 'muted' }, m.template_id ? `${m.template_id} v${m.template_version ?? '?'}` : 'inline'),
  el('td', { title: m.created_at }, fmtTime(m.created_at)),
  el('td', { className: 'num' }, `${m.attempts}`)));
  $('messages').replaceChildren(...rows);
  const empty = $('list-empty');
  empty.hidden = messages.length > 0;
  empty.textContent = $('status-filter').value ? 'No messages with this status.' : 'No messages yet. Send one with the command below.';
}

function select(id) {
  state.selectedId = id;
  for (const tr of $('messages').children) tr.classList.toggle('selected', tr.dataset.id === id);
  loadDetail(id);
}

async function loadDetail(id) {
  const pane = $('detail');
  try {
    const m = await api(`/api/v1/emails/${encodeURIComponent(id)}`);
    if (state.selectedId !== id) return;
    state.shownUpdatedAt = m.updated_at;
    const outbox = m.transport === 'capture' && m.status === 'sent' ? el('div', { className: 'outbox' }, el('p', { className: 'muted' }, 'Loading captured message…')) : null;
    pane.replaceChildren(renderFields(m), renderEvents(m.events), outbox || '');
    if (outbox) loadOutbox(id, outbox);
  } catch (err) {
    if (state.selectedId === id) pane.replaceChildren(el('p', { className: 'error' }, `Could not load ${id}: ${err.message}`));
  }
}

function renderFields(m) {
  return fields([
    ['ID', m.id], ['Status', badge(m.status)], ['To', m.to], ['From', m.from],
    ['Content', m.template_id ? `template ${m.template_id} v${m.template_version}` : 'inline'],
    ['Priority', m.priority], ['Tags', m.tags.length ? m.tags.join(', ') : '—'],
    ['Attempts', `${m.attempts} of ${m.max_attempts}`], ['Created', fmtTime(m.created_at)],
    ['Due', fmtTime(m.send_at)], ['Sent', fmtTime(m.sent_at)], ['Transport', m.transport ?? '—'],
    ['Provider id', m.provider_message_id ?? '—'], ['Message-ID', m.message_id ?? '—'],
    ['Last reply', m.last_code === null ? (m.last_error ?? '—') : `${m.last_code} ${m.last_error ?? ''}`],
    ['Processing', m.processing_ms === null ? '—' : `${m.processing_ms} ms`],
    ['Idempotency key', m.idempotency_key ?? '—'],
  ]);
}

function renderEvents(events) {
  const items = events.map((e) => el('li', { className: `event e-${e.type}` },
    el('div', { className: 'event-head' }, el('strong', {}, e.type), el('time', { dateTime: e.at, title: e.at }, fmtTime(e.at))),
    e.detail ? el('pre', { className: 'code small' }, JSON.stringify(e.detail, null, 2)) : null));
  return el('section', { className: 'events' }, el('h3', {}, `Events (${events.length})`),
    items.length ? el('ol', { className: 'timeline' }, ...items) : el('p', { className: 'muted' }, 'No events.'));
}

async function loadOutbox(id, box) {
  try {
    const c = await api(`/api/v1/outbox/${encodeURIComponent(id)}`);
    if (state.selectedId !== id) return;
    const headers = el('table', { className: 'headers' }, el('tbody', {},
      ...c.headers.map((h) => el('tr', {}, el('th', {}, h.name), el('td', {}, h.value)))));
    // sandbox="" with no allow-* tokens: no scripts, no forms, an opaque origin, no top navigation.
    const frame = el('iframe', { className: 'preview', title: 'Captured HTML', referrerPolicy: 'no-referrer' });
    frame.setAttribute('sandbox', '');
    // Remote content is blocked too: opening a message must not fetch its tracking pixels or remote images.
    frame.srcdoc = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; font-src data:">${c.html}`;
    box.replaceChildren(
      el('div', { className: 'outbox-head' }, el('h3', {}, 'Captured message'),
        el('a', { href: '#', className: 'raw-link', onclick: (e) => { e.preventDefault(); openRaw(id); } }, 'Raw .eml'),
        el('a', { href: '#', className: 'raw-link', onclick: (e) => { e.preventDefault(); openRaw(id, true); } }, 'Download')),
      el('p', { className: 'subject' }, c.subject || '(no subject)'),
      el('details', {}, el('summary', {}, `Headers (${c.headers.length})`), headers),
      el('h4', {}, 'HTML'), c.html ? frame : el('p', { className: 'muted' }, 'No HTML part.'),
      c.html ? el('p', { className: 'muted' }, 'Remote images and styles are not loaded in this preview.') : '',
      el('h4', {}, 'Text'), el('pre', { className: 'code text-part' }, c.text || '(no text part)'));
  } catch (err) {
    if (state.selectedId === id) box.replaceChildren(el('p', { className: 'error' }, `Captured message not available: ${err.message}`));
  }
}

/** The raw route needs the auth header, so fetch it and hand the browser a blob URL. */
async function openRaw(id, download = false) {
  try {
    const res = await api(`/api/v1/outbox/${encodeURIComponent(id)}/raw`, { raw: true });
    const bytes = await res.arrayBuffer();
    // Shown as plain text so the browser displays it rather than guessing at message/rfc822.
    const url = URL.createObjectURL(new Blob([bytes], { type: download ? 'message/rfc822' : 'text/plain; charset=utf-8' }));
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    const a = el('a', { href: url, target: '_blank', rel: 'noopener' });
    if (download) a.download = `${id}.eml`;
    document.body.append(a);
    a.click();
    a.remove();
  } catch (err) {
    showBanner(`Could not open the raw message: ${err.message}`);
  }
}

function renderHint() {
  const body = JSON.stringify({ to: 'someone@example.com', subject: 'Hello from Postflow', html: '<p>It works.</p>' });
  $('curl-hint').textContent = [
    `curl -X POST ${location.origin}/api/v1/emails/send \\`,
    '  -H "Authorization: Bearer $POSTFLOW_KEY" \\',
    '  -H "Content-Type: application/json" \\',
    `  -d '${body}'`,
  ].join('\n');
}

/** Forget what was shown (the key was forgotten). */
function clear() {
  state.selectedId = null;
  $('messages').replaceChildren();
  $('list-meta').textContent = '';
  $('detail').replaceChildren(el('p', { className: 'empty' }, 'Select a message to see its details.'));
}

/** The messages page. */
export const messagesPage = {
  init() {
    $('refresh').addEventListener('click', () => loadList());
    $('status-filter').addEventListener('change', () => loadList());
    renderHint();
  },
  show([id]) {
    if (id && id !== state.selectedId) select(id);
    state.poll = every(REFRESH_MS, () => ($('auto-refresh').checked ? loadList() : undefined), false);
    return loadList();
  },
  hide() {
    state.poll?.stop();
  },
  clear,
};
