// Contacts page (#/contacts): search by the start of the email, filters, server-side pages (keyset cursors, so a
// page costs the same with 100 or 1,000,000 contacts), the CSV import with its progress and row errors, the export.
import { $, api, badge, el, every, fmtNum, fmtTime, isAuthError, progressBar, saveBlob, showBanner, showError } from './core.js';

const PAGE = 50;
const IMPORT_POLL_MS = 500;

// `cursors[i]` opened page i (null for the first); `next` opens page cursors.length.
const state = { cursors: [null], next: null, importPoll: null, seq: 0 };

function query(extra = {}) {
  const q = new URLSearchParams();
  const search = $('contact-search').value.trim();
  const status = $('contact-status').value;
  const tag = $('contact-tag').value.trim();
  if (search) q.set('search', search);
  if (status) q.set('status', status);
  if (tag) q.set('tag', tag);
  for (const [k, v] of Object.entries(extra)) if (v !== null && v !== undefined) q.set(k, v);
  return q;
}

async function loadPage() {
  const seq = ++state.seq;
  const cursor = state.cursors[state.cursors.length - 1];
  try {
    const { data, next_cursor: next } = await api(`/api/v1/contacts?${query({ limit: String(PAGE), cursor })}`);
    if (seq !== state.seq) return; // a newer search answered first
    state.next = next;
    $('contacts').replaceChildren(...data.map(row));
    $('contacts-empty').hidden = data.length > 0;
    $('contacts-prev').disabled = state.cursors.length <= 1;
    $('contacts-next').disabled = !next;
    const search = $('contact-search').value.trim();
    $('contacts-meta').textContent = `Page ${state.cursors.length} · ${data.length} contact${data.length === 1 ? '' : 's'}`
      + (search ? ` whose email starts with “${search}” (email order)` : ' (oldest first)');
  } catch (err) {
    if (!isAuthError(err)) showBanner(`Could not load contacts: ${err.message}`);
  }
}

const fullName = (c) => [c.first_name, c.last_name].filter(Boolean).join(' ');

function row(c) {
  return el('tr', { dataset: { id: c.id, status: c.status } },
    el('td', { className: 'email' }, el('a', { href: `#/contacts/${encodeURIComponent(c.id)}` }, c.email)),
    el('td', { className: 'name' }, fullName(c) || '—'),
    el('td', {}, badge(c.status)),
    el('td', { className: 'tags' }, ...c.tags.map((t) => el('span', { className: 'tag' }, t))),
    el('td', { className: 'num' }, c.engagement_score.toFixed(1)),
    el('td', { title: c.last_engagement ?? '' }, fmtTime(c.last_engagement)));
}

function restart() {
  state.cursors = [null];
  loadPage();
}

// ---- import ---------------------------------------------------------------

async function startImport(e) {
  e.preventDefault();
  const form = e.target;
  const box = $('import-error');
  showError(box, null);
  const file = $('import-file').files[0];
  if (!file) return showError(box, new Error('Choose a CSV file first.'));
  const q = new URLSearchParams();
  const tags = form.elements.namedItem('tags').value.trim();
  if (tags) q.set('tags', tags);
  if (form.elements.namedItem('strict').checked) q.set('strict', 'true');
  try {
    const job = await api(`/api/v1/contacts/import?${q}`, { method: 'POST', body: file, type: 'text/csv' });
    renderImport(job);
    state.importPoll?.stop();
    state.importPoll = every(IMPORT_POLL_MS, () => pollImport(job.id), false);
  } catch (err) {
    showError(box, err);
  }
}

async function pollImport(id) {
  try {
    const job = await api(`/api/v1/contacts/imports/${encodeURIComponent(id)}?errors=200`);
    renderImport(job);
    if (job.state !== 'validating' && job.state !== 'importing') {
      state.importPoll?.stop();
      restart();
    }
  } catch (err) {
    state.importPoll?.stop();
    showError($('import-error'), err);
  }
}

function renderImport(job) {
  const box = $('import-status');
  box.dataset.state = job.state;
  const total = job.total_rows;
  const bar = total === null ? el('p', { className: 'muted' }, `Checking the file… ${fmtNum(job.rows_read)} rows read`) : progressBar(job.rows_read, total, `${fmtNum(job.rows_read)} of ${fmtNum(total)} rows`);
  const summary = el('p', { className: 'import-summary' }, badge(job.state), ` ${fmtNum(job.inserted)} added, ${fmtNum(job.updated)} updated, ${fmtNum(job.failed)} refused`);
  const fatal = job.error ? el('p', { className: 'error' }, `${job.error.code}: ${job.error.message}${job.error.line ? ` (line ${job.error.line})` : ''}`) : null;
  const errors = job.errors.length ? el('table', { className: 'grid import-errors' },
    el('thead', {}, el('tr', {}, el('th', { className: 'num' }, 'Line'), el('th', {}, 'Field'), el('th', {}, 'Problem'))),
    el('tbody', {}, ...job.errors.map((r) => el('tr', { dataset: { line: String(r.line) } },
      el('td', { className: 'num' }, String(r.line)), el('td', {}, r.field ?? '—'), el('td', {}, r.message))))) : null;
  const more = job.failed > job.errors.length ? el('p', { className: 'muted small' }, `Showing the first ${job.errors.length} of ${fmtNum(job.failed)} refused rows.`) : null;
  box.replaceChildren(bar, summary, fatal ?? '', errors ?? '', more ?? '');
}

// ---- export ---------------------------------------------------------------

/** The export route needs the auth header: fetch it (same status/tag filters as the list) and save the file. */
async function exportCsv() {
  const q = query();
  q.delete('search');
  try {
    const res = await api(`/api/v1/contacts/export?${q}`, { raw: true });
    saveBlob(await res.blob(), 'contacts.csv');
  } catch (err) {
    if (!isAuthError(err)) showBanner(`Could not export: ${err.message}`);
  }
}

/** The contacts list with search, import and export. */
export const contactsPage = {
  init() {
    $('contacts-filter').addEventListener('submit', (e) => { e.preventDefault(); restart(); });
    let typing = null;
    $('contact-search').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(restart, 300); });
    $('contact-status').addEventListener('change', restart);
    $('contacts-next').addEventListener('click', () => { if (state.next) { state.cursors.push(state.next); loadPage(); } });
    $('contacts-prev').addEventListener('click', () => { if (state.cursors.length > 1) { state.cursors.pop(); loadPage(); } });
    $('contacts-export').addEventListener('click', exportCsv);
    $('import-form').addEventListener('submit', startImport);
  },
  show() {
    loadPage();
  },
  hide() {},
  clear() {
    $('contacts').replaceChildren();
    $('import-status').replaceChildren();
  },
};
