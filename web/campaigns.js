// Campaigns page (#/campaigns): the list with status and progress, paged by cursor, and the form that creates a draft.
import { $, api, badge, el, every, fmtTime, isAuthError, progressBar, showBanner, showError } from './core.js';

const REFRESH_MS = 5000;
const PAGE = 50;

const state = { cursor: null, next: null, poll: null };
/** API error fields that name something other than the input of the same name. */
const FIELD_INPUT = { audience: 'tags', 'audience.tags': 'tags', 'audience.segment_id': 'segment_id' };

async function loadList() {
  const q = new URLSearchParams({ limit: String(PAGE) });
  const status = $('campaign-status').value;
  if (status) q.set('status', status);
  if (state.cursor) q.set('cursor', state.cursor);
  try {
    const { data, next_cursor: next } = await api(`/api/v1/campaigns?${q}`);
    state.next = next;
    $('campaigns').replaceChildren(...data.map(row));
    $('campaigns-empty').hidden = data.length > 0;
    $('campaigns-next').disabled = !next;
    $('campaigns-first').disabled = !state.cursor;
  } catch (err) {
    if (!isAuthError(err)) showBanner(`Could not load campaigns: ${err.message}`);
  }
}

/** Processed = materialised + skipped, of the audience counted at start (exact once the audience is read). */
function progressOf(c) {
  const p = c.progress;
  if (c.status === 'draft') return '—';
  const skipped = Object.values(p.skipped).reduce((a, b) => a + b, 0);
  return progressBar(p.materialised + skipped, p.targeted);
}

function row(c) {
  const href = `#/campaigns/${encodeURIComponent(c.id)}`;
  return el('tr', { dataset: { id: c.id, status: c.status } },
    el('td', { className: 'name' }, el('a', { href }, c.name)),
    el('td', {}, badge(c.status)),
    el('td', {}, progressOf(c)),
    el('td', {}, c.template_id),
    el('td', { title: c.created_at }, fmtTime(c.created_at)));
}

/** Fill the template, segment and pool choices of the form (once per visit). */
async function loadChoices() {
  const opt = (value, text) => el('option', { value }, text);
  const [templates, segments, pools] = await Promise.all([
    api('/api/v1/templates').catch(() => ({ data: [] })),
    api('/api/v1/segments').catch(() => ({ data: [] })),
    api('/api/v1/pools').catch(() => ({ data: [] })),
  ]);
  const keep = (sel) => sel.value;
  const t = $('cf-template'); const tv = keep(t);
  t.replaceChildren(...templates.data.map((x) => opt(x.id, `${x.name} (${x.id})`)));
  if (tv) t.value = tv;
  const s = $('cf-segment'); const sv = keep(s);
  s.replaceChildren(opt('', segments.data.length ? 'Choose a segment' : 'No segments yet'), ...segments.data.map((x) => opt(x.id, x.name)));
  if (sv) s.value = sv;
  const p = $('cf-pool'); const pv = keep(p);
  p.replaceChildren(opt('', 'Default transport'), ...pools.data.map((x) => opt(x.id, `${x.id} (${x.state})`)));
  if (pv) p.value = pv;
}

/** The form as the API's create body. Numbers are sent as typed, so the API (not the browser) judges them. */
function formBody(form) {
  const f = new FormData(form);
  const text = (k) => String(f.get(k) ?? '').trim();
  const num = (k) => (text(k) === '' ? undefined : Number(text(k)));
  const body = { name: text('name'), template_id: text('template_id') };
  body.audience = f.get('audience_kind') === 'segment'
    ? { segment_id: text('segment_id') }
    : { tags: text('tags').split(',').map((x) => x.trim()).filter(Boolean) };
  if (text('sender_pool')) body.sender_pool = text('sender_pool');
  if (num('rate_limit_per_hour') !== undefined) body.rate_limit_per_hour = num('rate_limit_per_hour');
  if (num('concurrency') !== undefined) body.concurrency = num('concurrency');
  if (text('scheduled_at')) body.scheduled_at = new Date(text('scheduled_at')).toISOString();
  return body;
}

async function create(e) {
  e.preventDefault();
  const form = e.target;
  const box = $('campaign-form-error');
  for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  showError(box, null);
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const c = await api('/api/v1/campaigns', { method: 'POST', body: formBody(form) });
    form.reset();
    location.hash = `#/campaigns/${encodeURIComponent(c.id)}`;
  } catch (err) {
    showError(box, err);
    // Mark the input the error names.
    const name = FIELD_INPUT[err.field] ?? (err.field || '').split(/[.[]/)[0];
    const input = name && form.elements.namedItem(name);
    if (input && input.setAttribute) input.setAttribute('aria-invalid', 'true');
  } finally {
    button.disabled = false;
  }
}

/** The campaigns list and form. */
export const campaignsPage = {
  init() {
    $('campaign-form').addEventListener('submit', create);
    $('campaign-status').addEventListener('change', () => { state.cursor = null; loadList(); });
    $('campaigns-refresh').addEventListener('click', () => loadList());
    $('campaigns-next').addEventListener('click', () => { if (state.next) { state.cursor = state.next; loadList(); } });
    $('campaigns-first').addEventListener('click', () => { state.cursor = null; loadList(); });
  },
  show() {
    loadChoices();
    state.poll = every(REFRESH_MS, loadList);
  },
  hide() {
    state.poll?.stop();
  },
  clear() {
    $('campaigns').replaceChildren();
  },
};
