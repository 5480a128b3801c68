// Postflow dashboard: the API key form and a hash router over the pages (#/messages, #/campaigns[/ID],
// #/contacts[/ID], #/senders). Each page module owns its part of index.html and its own refresh timer.
import { $, auth, setKey, showBanner } from './core.js';
import { messagesPage } from './messages.js';
import { campaignsPage } from './campaigns.js';
import { campaignPage } from './campaign.js';
import { contactsPage } from './contacts.js';
import { contactPage } from './contact.js';
import { sendersPage } from './senders.js';

/** Route name → [page, section id, nav entry]. A route with an id after it ("campaigns/ID") opens the detail page. */
const ROUTES = {
  messages: { list: messagesPage, detail: messagesPage, section: 'page-messages', detailSection: 'page-messages' },
  campaigns: { list: campaignsPage, detail: campaignPage, section: 'page-campaigns', detailSection: 'page-campaign' },
  contacts: { list: contactsPage, detail: contactPage, section: 'page-contacts', detailSection: 'page-contact' },
  senders: { list: sendersPage, detail: sendersPage, section: 'page-senders', detailSection: 'page-senders' },
};
const PAGES = [messagesPage, campaignsPage, campaignPage, contactsPage, contactPage, sendersPage];

let current = null;

function route() {
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const r = ROUTES[name] || ROUTES.messages;
  const detail = rest.length > 0 && rest[0] !== '';
  const page = detail ? r.detail : r.list;
  const section = detail ? r.detailSection : r.section;
  if (current && current !== page) current.hide();
  for (const s of document.querySelectorAll('main.page')) s.hidden = s.id !== section;
  for (const a of document.querySelectorAll('#nav a[data-route]')) {
    if (a.dataset.route === (ROUTES[name] ? name : 'messages')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `Postflow · ${(ROUTES[name] ? name : 'messages').replace(/^./, (c) => c.toUpperCase())}`;
  if (current === page) page.hide();
  current = page;
  if (auth.key) page.show(rest);
}

function saveKey(key) {
  setKey(key);
  $('api-key').value = auth.key;
  if (!auth.key) for (const p of PAGES) p.clear?.();
  showBanner(auth.key ? '' : 'Enter an API key to see messages.', 'info');
  route();
}

function start() {
  $('api-key').value = auth.key;
  $('key-form').addEventListener('submit', (e) => { e.preventDefault(); saveKey($('api-key').value); });
  $('key-forget').addEventListener('click', () => saveKey(''));
  for (const p of PAGES) p.init?.();
  window.addEventListener('hashchange', route);
  if (!auth.key) showBanner('Enter an API key to see messages.', 'info');
  route();
}

start();
