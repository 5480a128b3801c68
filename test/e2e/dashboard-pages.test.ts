// The dashboard's campaigns, contacts and senders pages in headless Chromium, against a real runtime listening on
// port 0 with the capture transport, delivery workers and the campaign runner.
import { existsSync, readFileSync } from 'node:fs';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN_KEY, startTestServer, type TestServer } from '../support/runtime.js';
import { seedContacts } from '../support/campaign-seed.js';
import { bouncePauseReason } from '../../src/domain/campaign-auto-pause.js';
import type { SqlStore } from '../../src/adapters/store/sql-store.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const REQUIRE = process.env.POSTFLOW_REQUIRE_SERVICES === '1';
if (!HAVE_CHROMIUM && !REQUIRE) process.stderr.write(`skipping dashboard pages e2e tests: ${CHROMIUM} does not exist (apt-get install chromium)\n`);
if (!HAVE_CHROMIUM && REQUIRE) {
  describe('dashboard pages prerequisites', () => {
    it('has Chromium', () => {
      throw new Error(`Chromium is required (POSTFLOW_REQUIRE_SERVICES=1) but ${CHROMIUM} does not exist; install it with "apt-get install chromium"`);
    });
  });
}

// Markup in user data: rendered as HTML, the handler would count itself in window.__pfXss.
const XSS_NAME = '<img src=x onerror="window.__pfXss=(window.__pfXss||0)+1">';
const XSS_SCRIPT = '<script>window.__pfXss=(window.__pfXss||0)+1</script>';

describe.skipIf(!HAVE_CHROMIUM)('dashboard pages (headless Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;

  const call = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method, headers: { ...server.auth, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  };
  const stat = (name: string) => page.locator(`#campaign-stats [data-stat="${name}"] .stat-value`);
  const campaignStatus = (status: string) => page.locator(`#page-campaign[data-status="${status}"]`);

  beforeAll(async () => {
    server = await startTestServer({}, { startWorkers: true });
    server.rt.campaigns.runner.start();
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    expect((await call('POST', '/templates', { id: 'news', name: 'News', subject: 'News for {{ first_name }}', html: '<p>Hi {{ first_name }}</p>' })).status).toBe(201);
    const ctx = (server.rt.store as SqlStore).sqlContext();
    await seedContacts(ctx, { count: 10, email: (i) => `spring${i}@example.com`, tags: () => ['spring'] });
    await seedContacts(ctx, { count: 30, email: (i) => `slow${i}@example.com`, tags: () => ['slow'] });
    await seedContacts(ctx, { count: 3000, email: (i) => `user${i}@example.com`, tags: (i) => (i % 2 ? ['odd'] : []) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1400 }, acceptDownloads: true });
    page.setDefaultTimeout(10_000);
    page.on('dialog', (d) => void d.accept());
    await page.goto(base);
    await page.fill('#api-key', ADMIN_KEY);
    await page.click('#key-form button[type="submit"]');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.rt.campaigns.runner.stop();
    await server?.close();
  });

  it('navigates between the pages', async () => {
    for (const [route, section] of [['campaigns', 'page-campaigns'], ['contacts', 'page-contacts'], ['senders', 'page-senders'], ['messages', 'page-messages']]) {
      await page.click(`#nav a[data-route="${route}"]`);
      await page.locator(`#${section}`).waitFor({ state: 'visible' });
      expect(await page.locator('main.page:visible').count()).toBe(1);
      expect(await page.getAttribute(`#nav a[data-route="${route}"]`, 'aria-current')).toBe('page');
    }
  });

  it('creates a draft from the form, starts it and shows the stats moving to completed', async () => {
    await page.goto(`${base}/#/campaigns`);
    await page.locator('#cf-template option[value="news"]').waitFor({ state: 'attached' });
    await page.fill('#campaign-form [name="name"]', 'Spring sale');
    await page.selectOption('#cf-template', 'news');
    await page.fill('#campaign-form [name="tags"]', 'spring');
    // 7,200 an hour: 10 messages take about 5 s, so the 2 s refresh sees them on their way.
    await page.fill('#campaign-form [name="rate_limit_per_hour"]', '7200');
    await page.fill('#campaign-form [name="concurrency"]', '2');
    await page.click('#campaign-form button[type="submit"]');
    await campaignStatus('draft').waitFor();
    expect(page.url()).toMatch(/#\/campaigns\/[0-9A-Z]{26}$/);
    const id = decodeURIComponent(page.url().split('/').pop()!);
    expect((await call('GET', `/campaigns/${id}`)).body).toMatchObject({ name: 'Spring sale', status: 'draft', template_id: 'news', audience: { tags: ['spring'] }, rate_limit_per_hour: 7200, concurrency: 2 });
    expect(await page.locator('#campaign-actions [data-action="pause"]').isDisabled()).toBe(true);

    await page.click('#campaign-actions [data-action="start"]');
    const seen = new Set<string>();
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      seen.add((await stat('sent').textContent())!);
      if (await campaignStatus('completed').count()) break;
      await page.waitForTimeout(200);
    }
    await campaignStatus('completed').waitFor();
    expect(await stat('sent').textContent()).toBe('10');
    expect(await stat('targeted').textContent()).toBe('10');
    expect(await stat('success_rate').textContent()).toBe('100 %');
    expect(await stat('eta').textContent()).toBe('0m 0s');
    expect(await stat('average_send_time').textContent()).toMatch(/^\d+(\.\d+)? s$/);
    // The page showed counts between 0 and 10 on the way, not only the end.
    expect([...seen].filter((v) => v !== '0' && v !== '10').length).toBeGreaterThan(0);
    expect(await page.locator('#campaign-progress [role="progressbar"]').getAttribute('aria-valuenow')).toBe('10');
    await page.screenshot({ path: '/tmp/dashboard-campaign.png' });

    await page.click('#nav a[data-route="campaigns"]');
    await page.locator(`#campaigns tr[data-id="${id}"][data-status="completed"]`).waitFor();
    expect(await page.locator(`#campaigns tr[data-id="${id}"] td.name`).textContent()).toBe('Spring sale');
  });

  it('shows a coded error from the API for a bad form and for an impossible start', async () => {
    const before = (await call('GET', '/campaigns')).body.data.length;
    await page.goto(`${base}/#/campaigns`);
    await page.locator('#cf-template option[value="news"]').waitFor({ state: 'attached' });
    await page.fill('#campaign-form [name="name"]', 'Zero rate');
    await page.fill('#campaign-form [name="tags"]', 'spring');
    await page.fill('#campaign-form [name="rate_limit_per_hour"]', '0');
    await page.click('#campaign-form button[type="submit"]');
    const box = page.locator('#campaign-form-error');
    await box.filter({ hasText: 'VALIDATION_FAILED' }).waitFor();
    expect(await box.getAttribute('data-code')).toBe('VALIDATION_FAILED');
    expect(await box.textContent()).toContain('rate_limit_per_hour');
    expect(await page.getAttribute('#campaign-form [name="rate_limit_per_hour"]', 'aria-invalid')).toBe('true');
    expect((await call('GET', '/campaigns')).body.data.length).toBe(before);

    const empty = (await call('POST', '/campaigns', { name: 'Nobody', template_id: 'news', audience: { tags: ['no-one-has-this'] } })).body;
    await page.goto(`${base}/#/campaigns/${empty.id}`);
    await campaignStatus('draft').waitFor();
    await page.click('#campaign-actions [data-action="start"]');
    await page.locator('#campaign-error[data-code="CAMPAIGN_AUDIENCE_EMPTY"]').waitFor();
    expect(await page.locator('#campaign-error').textContent()).toContain('no subscribed contact matches');
    await campaignStatus('draft').waitFor();
  });

  it('pauses and resumes with the buttons, shows the bounce auto-pause reason, cancels and duplicates', async () => {
    const c = (await call('POST', '/campaigns', { name: 'Slow one', template_id: 'news', audience: { tags: ['slow'] }, rate_limit_per_hour: 3600, concurrency: 1 })).body;
    await page.goto(`${base}/#/campaigns/${c.id}`);
    await campaignStatus('draft').waitFor();
    await page.click('#campaign-actions [data-action="start"]');
    await campaignStatus('running').waitFor();
    await page.locator('#campaign-stats [data-stat="sent"] .stat-value').filter({ hasNotText: /^0$/ }).waitFor({ timeout: 15_000 });

    await page.click('#campaign-actions [data-action="pause"]');
    await campaignStatus('paused').waitFor();
    expect((await call('GET', `/campaigns/${c.id}`)).body.status).toBe('paused');
    expect(await page.locator('#campaign-reason').textContent()).toBe('Paused: paused through the API');
    expect(await page.locator('#campaign-actions [data-action="pause"]').isDisabled()).toBe(true);
    expect(await page.locator('#campaign-actions [data-action="resume"]').isEnabled()).toBe(true);

    await page.click('#campaign-actions [data-action="resume"]');
    await campaignStatus('running').waitFor();
    expect((await call('GET', `/campaigns/${c.id}`)).body.status).toBe('running');
    expect(await page.locator('#campaign-reason').isHidden()).toBe(true);

    // What the runner writes when the bounce threshold is passed (the real rule is exercised in campaign-api.test.ts).
    const reason = bouncePauseReason({ sent: 94, bounced: 6, failed: 0 }, 0.05, 100)!;
    expect(await server.rt.campaigns.store.transition(c.id, 'running', 'paused', Date.now(), { reason })).not.toBeNull();
    await page.locator('#campaign-reason.warn').filter({ hasText: 'auto-paused: bounce rate 6 %' }).waitFor();
    expect(await page.locator('#campaign-reason').textContent()).toBe(`Paused: ${reason}`);

    await page.click('#campaign-actions [data-action="cancel"]');
    await campaignStatus('cancelled').waitFor();
    await page.locator('#campaign-stats [data-stat="sent"]').waitFor();
    const stats = (await call('GET', `/campaigns/${c.id}/stats`)).body;
    expect(stats.status).toBe('cancelled');
    expect(stats.sent).toBeLessThan(30);

    await page.click('#campaign-actions [data-action="duplicate"]');
    await page.waitForURL((u) => !u.href.endsWith(c.id));
    await campaignStatus('draft').waitFor();
    expect(await page.locator('#campaign-title').textContent()).toContain('Slow one (copy)');
  });

  it('finds a contact by searching, pages through the list and opens the contact page with its activity', async () => {
    const ada = (await call('POST', '/contacts', { email: 'Ada.Lovelace@example.com', first_name: 'Ada', last_name: 'Lovelace', tags: ['vip'], attributes: { plan: 'pro', seats: 5 } })).body;
    await call('POST', `/contacts/${ada.id}/events`, { type: 'open' });
    await page.goto(`${base}/#/contacts`);
    await page.locator('#contacts tr').nth(49).waitFor();
    expect(await page.locator('#contacts tr').count()).toBe(50);
    const first = await page.locator('#contacts tr').first().getAttribute('data-id');
    await page.click('#contacts-next');
    await page.locator('#contacts-meta').filter({ hasText: 'Page 2' }).waitFor();
    expect(await page.locator('#contacts tr').first().getAttribute('data-id')).not.toBe(first);
    await page.click('#contacts-prev');
    await page.locator('#contacts-meta').filter({ hasText: 'Page 1' }).waitFor();
    expect(await page.locator('#contacts tr').first().getAttribute('data-id')).toBe(first);

    await page.fill('#contact-search', 'ADA');
    await page.locator(`#contacts tr[data-id="${ada.id}"]`).waitFor();
    expect(await page.locator('#contacts tr').count()).toBe(1);
    const cells = await page.locator(`#contacts tr[data-id="${ada.id}"] td`).allTextContents();
    expect(cells).toEqual(['ada.lovelace@example.com', 'Ada Lovelace', 'subscribed', 'vip', '0.1', expect.stringMatching(/\d/)]);

    await page.click(`#contacts tr[data-id="${ada.id}"] a`);
    await page.locator('#contact-title').filter({ hasText: 'Ada Lovelace' }).waitFor();
    expect(await page.locator('#contact-attributes th').allTextContents()).toEqual(['plan', 'seats']);
    expect(await page.locator('#contact-attributes td').allTextContents()).toEqual(['pro', '5']);
    expect(await page.locator('#contact-activity tr[data-type="opened"]').count()).toBe(1);
    await page.screenshot({ path: '/tmp/dashboard-contact.png' });
  });

  it('imports a CSV with progress and shows a bad row by its line number, then exports', async () => {
    await page.goto(`${base}/#/contacts`);
    const csv = 'email,first_name\nimp1@example.com,One\nnot-an-email,Two\nimp2@example.com,Three\n';
    await page.setInputFiles('#import-file', { name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.fill('#import-form [name="tags"]', 'imported');
    await page.click('#import-form button[type="submit"]');
    await page.locator('#import-status[data-state="completed"]').waitFor();
    expect(await page.locator('#import-status .import-summary').textContent()).toContain('2 added, 0 updated, 1 refused');
    expect(await page.locator('#import-status .import-errors tbody tr').count()).toBe(1);
    await page.screenshot({ path: '/tmp/dashboard-contacts.png' });
    const bad = await page.locator('#import-status .import-errors tr[data-line="3"] td').allTextContents();
    expect(bad[0]).toBe('3');
    expect(bad[2]).toMatch(/email/i);
    expect((await call('GET', '/contacts/by-email/imp2%40example.com')).body).toMatchObject({ first_name: 'Three', tags: ['imported'] });

    await page.fill('#contact-tag', 'imported');
    await page.fill('#contact-search', '');
    await page.click('#contacts-filter button[type="submit"]');
    await page.locator('#contacts-meta').filter({ hasText: '2 contacts' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#contacts-export')]);
    expect(download.suggestedFilename()).toBe('contacts.csv');
    const exported = readFileSync(await download.path()).toString();
    expect(exported).toMatch(/^id,email,/);
    expect(exported).toContain('imp1@example.com');
    expect(exported).toContain('imp2@example.com');
    expect(exported).not.toContain('user1@example.com');
    await page.fill('#contact-tag', '');
  });

  it('shows markup in a contact or campaign name as text, and its handler never runs', async () => {
    const evil = (await call('POST', '/contacts', { email: 'evil@example.com', first_name: XSS_NAME, last_name: XSS_SCRIPT, company: XSS_NAME, attributes: { note: XSS_NAME } })).body;
    expect(evil.first_name).toBe(XSS_NAME);
    await call('POST', '/campaigns', { name: XSS_NAME, template_id: 'news', audience: { tags: ['spring'] } });

    await page.goto(`${base}/#/contacts`);
    await page.fill('#contact-tag', '');
    await page.fill('#contact-search', 'evil');
    await page.locator(`#contacts tr[data-id="${evil.id}"]`).waitFor();
    expect(await page.locator(`#contacts tr[data-id="${evil.id}"] td.name`).textContent()).toBe(`${XSS_NAME} ${XSS_SCRIPT}`);
    await page.click(`#contacts tr[data-id="${evil.id}"] a`);
    await page.locator('#contact-title .contact-name').filter({ hasText: XSS_NAME }).waitFor();
    expect(await page.locator('#contact-title .contact-name').textContent()).toBe(`${XSS_NAME} ${XSS_SCRIPT}`);
    expect(await page.locator('#contact-attributes td').allTextContents()).toEqual([XSS_NAME]);
    expect(await page.locator('#contact-fields dd').allTextContents()).toEqual(expect.arrayContaining([XSS_NAME, XSS_SCRIPT]));

    await page.goto(`${base}/#/campaigns`);
    await page.locator('#campaigns td.name').filter({ hasText: XSS_NAME }).waitFor();

    // No element was made from the markup anywhere, and no handler ran (the CSP would also stop inline handlers).
    for (const section of ['#page-contacts', '#page-contact', '#page-campaigns']) expect(await page.locator(`${section} img, ${section} script`).count()).toBe(0);
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { __pfXss?: number }).__pfXss)).toBeUndefined();
    expect((await page.request.get(base)).headers()['content-security-policy']).toContain("script-src 'self'");
  });

  it('shows senders and pools with their rolling-24h use and state, read-only', async () => {
    expect((await call('POST', '/senders', { id: 'relay1', kind: 'smtp', email: 'news@example.com', smtp_url: 'smtp://user:secret@127.0.0.1:2525', daily_limit: 500, per_second: 5 })).status).toBe(201);
    expect((await call('POST', '/pools', { id: 'main', strategy: 'least_used', senders: ['relay1'] })).status).toBe(201);
    await page.goto(`${base}/#/senders`);
    await page.locator('#senders tr[data-id="relay1"]').waitFor();
    const cells = await page.locator('#senders tr[data-id="relay1"] td').allTextContents();
    expect(cells.slice(0, 5)).toEqual(['news@example.comrelay1', 'smtp', 'active', '0 of 500', '500']);
    expect(await page.locator('#pools tr[data-id="main"] td').allTextContents()).toEqual(['main', 'least_used', 'ready', '0', '500 of 500 left', 'news@example.com']);
    expect(await page.locator('#capacity').textContent()).toContain('1 of 1 senders usable');
    await page.screenshot({ path: '/tmp/dashboard-senders.png' });
    expect(await page.locator('#page-senders').textContent()).not.toContain('secret');
    expect(await page.locator('#page-senders button').allTextContents()).toEqual(['Refresh']);
  });
});
