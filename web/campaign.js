// Campaign page (#/campaigns/ID): live statistics refreshed while it runs, the pause reason, and the
// start / pause / resume / cancel / duplicate buttons with the API's coded errors.
import { $, ApiError, api, badge, el, every, fields, fmtDuration, fmtNum, fmtTime, progressBar, showError } from './core.js';

const REFRESH_MS = 2000;
/** Which buttons a status allows (the API's lifecycle: draft → scheduled | running ⇄ paused → completed | cancelled). */
const ALLOWED = {
  start: ['draft'],
  pause: ['running'],
  resume: ['paused'],
  cancel: ['draft', 'scheduled', 'running', 'paused'],
  duplicate: ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'],
};
const LIVE = new Set(['scheduled', 'running', 'paused']);

const state = { id: null, campaign: null, poll: null, busy: false };

async function load() {
  const id = state.id;
  try {
    const [c, s] = await Promise.all([
      api(`/api/v1/campaigns/${encodeURIComponent(id)}`),
      api(`/api/v1/campaigns/${encodeURIComponent(id)}/stats`),
    ]);
    if (state.id !== id) return;
    state.campaign = c;
    render(c, s);
    // Final statuses do not move any more: stop refreshing.
    if (!LIVE.has(c.status) && c.status !== 'draft') state.poll?.stop();
  } catch (err) {
    if (state.id === id) showError($('campaign-error'), err);
  }
}

function render(c, s) {
  $('campaign-title').replaceChildren(c.name, ' ', badge(c.status));
  const page = $('page-campaign');
  page.dataset.status = c.status;
  for (const b of $('campaign-actions').querySelectorAll('button')) b.disabled = state.busy || !ALLOWED[b.dataset.action].includes(c.status);
  const reason = $('campaign-reason');
  reason.hidden = !c.status_reason;
  reason.textContent = c.status_reason ? `${c.status === 'paused' ? 'Paused' : 'Status'}: ${c.status_reason}` : '';
  reason.classList.toggle('warn', /auto-paused/.test(c.status_reason || ''));
  const skipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
  const finished = s.sent + s.failed + s.bounced + s.cancelled + (s.suppressed - s.skipped.suppressed) + skipped;
  $('campaign-progress').replaceChildren(c.status === 'draft' ? '' : progressBar(finished, s.targeted, `${fmtNum(finished)} of ${fmtNum(s.targeted)} done · ${fmtNum(s.remaining)} remaining`));
  const stat = (key, label, value) => el('div', { className: 'stat', dataset: { stat: key } }, el('span', { className: 'stat-value' }, value), el('span', { className: 'stat-label' }, label));
  $('campaign-stats').replaceChildren(
    stat('targeted', 'Targeted', fmtNum(s.targeted)),
    stat('queued', 'Queued', fmtNum(s.queued)),
    stat('sending', 'Sending', fmtNum(s.sending)),
    stat('sent', 'Sent', fmtNum(s.sent)),
    stat('failed', 'Failed', fmtNum(s.failed)),
    stat('bounced', 'Bounced', fmtNum(s.bounced)),
    stat('suppressed', 'Suppressed', fmtNum(s.suppressed)),
    stat('unsubscribed', 'Unsubscribed', fmtNum(s.unsubscribed)),
    stat('opened', 'Opened', fmtNum(s.opened)),
    stat('clicked', 'Clicked', fmtNum(s.clicked)),
    stat('success_rate', 'Success rate', s.success_rate === null ? '—' : `${s.success_rate} %`),
    stat('average_send_time', 'Average send time', s.average_send_time_seconds === null ? '—' : `${s.average_send_time_seconds} s`),
    stat('throughput', 'Throughput', `${s.throughput_per_minute} / min`),
    stat('eta', 'ETA', s.eta_seconds === null ? '—' : fmtDuration(s.eta_seconds)));
  const sk = s.skipped;
  $('campaign-meta').textContent = `Skipped at materialisation: ${sk.unsubscribed} unsubscribed, ${sk.bounced} bounced, ${sk.complained} complained, `
    + `${sk.suppressed} suppressed, ${sk.missing} deleted · cancelled ${s.cancelled} · updated ${new Date().toLocaleTimeString()}`;
  const a = c.audience;
  const audience = a.tags ? `contacts tagged ${a.tags.join(', ')}` : a.segment_id ? `segment ${a.segment_id}` : `rule ${JSON.stringify(a.rule)}`;
  const w = c.sending_window;
  $('campaign-settings').replaceChildren(fields([
    ['ID', c.id], ['Template', `${c.template_id}${c.template_version === null ? '' : ` v${c.template_version}`}`], ['Audience', audience],
    ['Sender pool', c.sender_pool ?? 'default transport'], ['From', c.from ?? 'default'],
    ['Rate', `${fmtNum(c.rate_limit_per_hour)} per hour`], ['Concurrency', String(c.concurrency)],
    ['Scheduled', fmtTime(c.scheduled_at)], ['Sending window', w ? `days ${w.days.join(',')} ${w.start}–${w.end} ${w.time_zone}` : 'any time'],
    ['Auto-pause', c.auto_pause_bounce_rate === null ? 'never' : `bounce rate above ${c.auto_pause_bounce_rate * 100} % after ${c.auto_pause_min_sends} attempts`],
    ['Created', fmtTime(c.created_at)], ['Started', fmtTime(c.started_at)], ['Finished', fmtTime(c.finished_at)],
  ]));
}

async function act(action) {
  const c = state.campaign;
  if (!c) return;
  if (action === 'cancel' && !window.confirm(`Cancel "${c.name}"? Messages not yet sent will not be sent.`)) return;
  const box = $('campaign-error');
  showError(box, null);
  state.busy = true;
  for (const b of $('campaign-actions').querySelectorAll('button')) b.disabled = true;
  try {
    const res = await api(`/api/v1/campaigns/${encodeURIComponent(c.id)}/${action}`, { method: 'POST' });
    if (action === 'duplicate') {
      location.hash = `#/campaigns/${encodeURIComponent(res.id)}`;
      return;
    }
    state.poll?.stop();
    state.poll = every(REFRESH_MS, load, false);
  } catch (err) {
    showError(box, err instanceof ApiError ? err : new Error(String(err)));
  } finally {
    state.busy = false;
  }
  await load();
}

function reset() {
  state.campaign = null;
  $('campaign-title').textContent = 'Campaign';
  for (const id of ['campaign-progress', 'campaign-stats', 'campaign-settings']) $(id).replaceChildren();
  $('campaign-meta').textContent = '';
  $('campaign-reason').hidden = true;
  showError($('campaign-error'), null);
}

/** The campaign page. */
export const campaignPage = {
  init() {
    for (const b of $('campaign-actions').querySelectorAll('button')) b.addEventListener('click', () => act(b.dataset.action));
  },
  show([id]) {
    if (id !== state.id) reset();
    state.id = id;
    state.poll = every(REFRESH_MS, load);
  },
  hide() {
    state.poll?.stop();
  },
  clear: reset,
};
