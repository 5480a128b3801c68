// Contact page (#/contacts/ID): its fields, attributes and recent activity.
import { $, api, badge, el, fields, fmtTime, showError } from './core.js';

const ACTIVITY = 50;
const state = { id: null };

async function load(id) {
  try {
    const [c, activity] = await Promise.all([
      api(`/api/v1/contacts/${encodeURIComponent(id)}`),
      api(`/api/v1/contacts/${encodeURIComponent(id)}/activity?limit=${ACTIVITY}`),
    ]);
    if (state.id !== id) return;
    render(c, activity.data);
  } catch (err) {
    if (state.id === id) showError($('contact-error'), err);
  }
}

function render(c, activity) {
  const name = [c.first_name, c.last_name].filter(Boolean).join(' ');
  $('contact-title').replaceChildren(el('span', { className: 'contact-name' }, name || c.email), ' ', badge(c.status));
  $('contact-fields').replaceChildren(fields([
    ['Email', c.email], ['First name', c.first_name ?? '—'], ['Last name', c.last_name ?? '—'], ['Company', c.company ?? '—'],
    ['External id', c.external_id ?? '—'], ['Status', badge(c.status)],
    ['Tags', c.tags.length ? el('span', {}, ...c.tags.map((t) => el('span', { className: 'tag' }, t))) : '—'],
    ['Engagement score', c.engagement_score.toFixed(1)], ['Last engagement', fmtTime(c.last_engagement)],
    ['Created', fmtTime(c.created_at)], ['Updated', fmtTime(c.updated_at)], ['ID', c.id],
  ]));
  const attrs = Object.entries(c.attributes);
  $('contact-attributes').replaceChildren(attrs.length
    ? el('table', { className: 'grid attributes' }, el('tbody', {}, ...attrs.map(([k, v]) => el('tr', {},
      el('th', {}, k), el('td', { className: 'mono' }, typeof v === 'string' ? v : JSON.stringify(v))))))
    : el('p', { className: 'muted' }, 'No attributes.'));
  $('contact-activity').replaceChildren(activity.length
    ? el('table', { className: 'grid activity' },
      el('thead', {}, el('tr', {}, el('th', {}, 'What'), el('th', {}, 'When'), el('th', {}, 'Message'))),
      el('tbody', {}, ...activity.map((a) => el('tr', { dataset: { type: a.type } },
        el('td', {}, a.type), el('td', { title: a.at }, fmtTime(a.at)),
        el('td', {}, a.message_id ? el('a', { href: `#/messages/${encodeURIComponent(a.message_id)}` }, a.message_id) : '—')))))
    : el('p', { className: 'muted' }, 'No activity yet.'));
}

function reset() {
  $('contact-title').textContent = 'Contact';
  for (const id of ['contact-fields', 'contact-attributes', 'contact-activity']) $(id).replaceChildren();
  showError($('contact-error'), null);
}

/** The contact page. */
export const contactPage = {
  show([id]) {
    if (id !== state.id) reset();
    state.id = id;
    return load(id);
  },
  hide() {},
  clear: reset,
};
