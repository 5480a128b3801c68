// Senders page (#/senders): read-only pools and senders with their rolling-24h use and state, and the capacity report.
import { $, ApiError, api, badge, el, every, fmtNum, fmtTime, progressBar, showError } from './core.js';

const REFRESH_MS = 10_000;
const state = { poll: null };

async function load() {
  const box = $('senders-error');
  try {
    const [pools, senders, capacity] = await Promise.all([api('/api/v1/pools'), api('/api/v1/senders'), api('/api/v1/senders/capacity')]);
    showError(box, null);
    renderCapacity(capacity);
    $('pools').replaceChildren(...(pools.data.length ? pools.data.map(poolRow) : [emptyRow(6, 'No pools. Messages go through the default transport.')]));
    $('senders').replaceChildren(...(senders.data.length ? senders.data.map(senderRow) : [emptyRow(6, 'No senders.')]));
  } catch (err) {
    // Without sender support in this server the routes do not exist.
    showError(box, err instanceof ApiError && err.status === 404 ? new Error('Senders and pools are not available on this server.') : err);
  }
}

const emptyRow = (cols, text) => el('tr', {}, el('td', { colSpan: cols, className: 'muted' }, text));

function renderCapacity(c) {
  const remaining = c.remaining_today === null ? 'unlimited' : fmtNum(c.remaining_today);
  const daily = c.daily_capacity === null ? 'unlimited' : fmtNum(c.daily_capacity);
  const rate = c.measured_per_second === null ? '' : ` · measured ${c.measured_per_second}/s`;
  $('capacity').textContent = `${c.usable_senders} of ${c.senders} senders usable · ${remaining} sends left in the rolling 24 h of ${daily} a day${c.formula ? ` (${c.formula})` : ''}${rate}`;
}

function senderState(s) {
  return el('span', {}, badge(s.state), s.state_until ? el('span', { className: 'muted small' }, ` until ${fmtTime(s.state_until)}`) : '');
}

function poolRow(p) {
  const remaining = p.remaining_today === null ? 'unlimited' : p.daily_capacity ? progressBar(p.daily_capacity - p.remaining_today, p.daily_capacity, `${fmtNum(p.remaining_today)} of ${fmtNum(p.daily_capacity)} left`) : fmtNum(p.remaining_today);
  return el('tr', { dataset: { id: p.id } },
    el('td', {}, p.id), el('td', {}, p.strategy),
    el('td', {}, badge(p.state), p.next_free_at ? el('span', { className: 'muted small' }, ` frees ${fmtTime(p.next_free_at)}`) : ''),
    el('td', { className: 'num' }, fmtNum(p.waiting)), el('td', {}, remaining),
    el('td', { className: 'small' }, p.senders.map((s) => s.email).join(', ') || '—'));
}

function senderRow(s) {
  const u = s.usage;
  const used = u.limit_now === null ? `${fmtNum(u.used_24h)} (no limit)` : progressBar(u.used_24h, u.limit_now, `${fmtNum(u.used_24h)} of ${fmtNum(u.limit_now)}`);
  return el('tr', { dataset: { id: s.id } },
    el('td', {}, el('div', {}, s.email), el('div', { className: 'muted small' }, s.id)),
    el('td', {}, s.kind), el('td', {}, senderState(s), s.state_reason ? el('div', { className: 'muted small' }, s.state_reason) : ''),
    el('td', {}, used), el('td', { className: 'num' }, u.remaining === null ? '—' : fmtNum(u.remaining)),
    el('td', { className: 'small' }, s.last_error ? `${s.last_error} (${fmtTime(s.last_error_at)})` : '—'));
}

/** The senders page. */
export const sendersPage = {
  init() {
    $('senders-refresh').addEventListener('click', () => load());
  },
  show() {
    state.poll = every(REFRESH_MS, load);
  },
  hide() {
    state.poll?.stop();
  },
  clear() {
    $('pools').replaceChildren();
    $('senders').replaceChildren();
  },
};
