// The dashboard in headless Chromium against a real runtime listening on port 0 (capture transport).
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN_KEY, startTestServer, type TestServer } from '../support/runtime.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const REQUIRE = process.env.POSTFLOW_REQUIRE_SERVICES === '1';
if (!HAVE_CHROMIUM && !REQUIRE) process.stderr.write(`skipping dashboard e2e tests: ${CHROMIUM} does not exist (apt-get install chromium)\n`);

const SCRIPT_HTML = '<h1 id="greeting">Hello from the capture</h1><p>Second paragraph.</p>'
  + '<script>window.__pfScriptRan = true; document.body.setAttribute("data-script-ran", "yes");'
  + ' try { parent.__pfScriptRan = true; } catch (e) {}</script>';

// With POSTFLOW_REQUIRE_SERVICES=1 a missing Chromium is a failed test, not a skip (registered only then,
// so a normal run does not count an extra skipped test).
if (!HAVE_CHROMIUM && REQUIRE) {
  describe('dashboard prerequisites', () => {
    it('has Chromium', () => {
      throw new Error(`Chromium is required (POSTFLOW_REQUIRE_SERVICES=1) but ${CHROMIUM} does not exist; install it with "apt-get install chromium"`);
    });
  });
}

describe.skipIf(!HAVE_CHROMIUM)('dashboard (headless Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;
  const ids: { script: string; plain: string } = { script: '', plain: '' };
  // A "remote" image host: the preview must never request from it.
  let pixelHits = 0;
  let pixelServer: Server;

  const send = async (body: object): Promise<string> => {
    const res = await fetch(`${base}/api/v1/emails/send`, {
      method: 'POST', headers: { ...server.auth, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };

  const waitSent = async (id: string): Promise<void> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const res = await fetch(`${base}/api/v1/emails/${id}`, { headers: server.auth });
      const m = (await res.json()) as { status: string };
      if (m.status === 'sent') return;
      if (Date.now() > deadline) throw new Error(`message ${id} is still "${m.status}" after 5 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    pixelServer = createServer((_req, res) => {
      pixelHits++;
      res.writeHead(200, { 'content-type': 'image/gif' }).end();
    });
    await new Promise<void>((r) => pixelServer.listen(0, '127.0.0.1', r));
    const pixel = `http://127.0.0.1:${(pixelServer.address() as { port: number }).port}/open.gif`;
    server = await startTestServer({}, { startWorkers: true });
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    ids.script = await send({ to: 'Ada <ada@example.com>', subject: 'Script inside', html: `${SCRIPT_HTML}<img id="pixel" src="${pixel}" alt="">`, tags: ['e2e'] });
    ids.plain = await send({ to: 'bob@example.com', subject: 'Plain one', text: 'Just text, {{ name }}.', variables: { name: 'Bob' } });
    await Promise.all([waitSent(ids.script), waitSent(ids.plain)]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1700 } });
    page.setDefaultTimeout(5000);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => pixelServer?.close(r));
    await server?.close();
  });

  it('refuses a wrong key with a clear message, then lists both messages as sent', async () => {
    await page.goto(base);
    await page.locator('#banner').filter({ hasText: 'Enter an API key' }).waitFor();

    await page.fill('#api-key', 'pf_wrong_key_0123456789abcdef');
    await page.click('#key-form button[type="submit"]');
    await page.locator('#banner').filter({ hasText: 'The API key was refused' }).waitFor();
    expect(await page.locator('#banner').textContent()).toContain('UNAUTHORIZED');

    await page.fill('#api-key', ADMIN_KEY);
    await page.click('#key-form button[type="submit"]');
    for (const id of [ids.script, ids.plain]) {
      await page.locator(`#messages tr[data-id="${id}"] .badge`).filter({ hasText: 'sent' }).waitFor();
    }
    expect(await page.locator('#banner').isHidden()).toBe(true);
    expect(await page.locator('#messages tr').count()).toBe(2);
    expect(await page.locator(`#messages tr[data-id="${ids.plain}"] td`).nth(1).textContent()).toBe('bob@example.com');
    expect(await page.locator(`#messages tr[data-id="${ids.plain}"] td`).nth(2).textContent()).toBe('inline');
    // The key survives a reload.
    expect(await page.evaluate(() => localStorage.getItem('postflow.apiKey'))).toBe(ADMIN_KEY);
    // The curl hint names this server.
    expect(await page.locator('#curl-hint').textContent()).toContain(`${base}/api/v1/emails/send`);
  });

  it('filters by status', async () => {
    await page.selectOption('#status-filter', 'failed');
    await page.locator('#list-empty').filter({ hasText: 'No messages with this status' }).waitFor();
    expect(await page.locator('#messages tr').count()).toBe(0);
    await page.selectOption('#status-filter', 'sent');
    await page.locator(`#messages tr[data-id="${ids.script}"]`).waitFor();
    expect(await page.locator('#messages tr').count()).toBe(2);
  });

  it('shows a message with its events and the captured HTML in a sandboxed iframe where scripts do not run', async () => {
    await page.click(`#messages tr[data-id="${ids.script}"]`);
    const detail = page.locator('#detail');
    await detail.locator('.fields').filter({ hasText: ids.script }).waitFor();
    const types = await detail.locator('.timeline .event-head strong').allTextContents();
    expect(types).toEqual(expect.arrayContaining(['queued', 'sent']));

    const iframe = detail.locator('iframe.preview');
    await iframe.waitFor();
    expect(await iframe.getAttribute('sandbox')).toBe('');
    const frame = page.frameLocator('#detail iframe.preview');
    await expect(frame.locator('#greeting').textContent()).resolves.toBe('Hello from the capture');

    // The script would have marked the body and set globals: none of that happened.
    expect(await frame.locator('body').getAttribute('data-script-ran')).toBeNull();
    expect(await page.evaluate(() => (window as unknown as { __pfScriptRan?: boolean }).__pfScriptRan)).toBeUndefined();
    // The remote image is in the preview but was never fetched.
    expect(await frame.locator('#pixel').count()).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(pixelHits).toBe(0);

    // Headers table, subject and text part come from the captured .eml.
    expect(await detail.locator('.subject').textContent()).toBe('Script inside');
    expect(await detail.locator('table.headers th').allTextContents()).toEqual(expect.arrayContaining(['Subject', 'To', 'Message-ID']));
    expect(await detail.locator('.text-part').textContent()).toContain('Hello from the capture');
    expect(await detail.locator('.text-part').textContent()).not.toContain('__pfScriptRan');

    // The raw link fetches with the key and opens a blob URL in a new tab.
    const [popup] = await Promise.all([page.context().waitForEvent('page'), detail.locator('a.raw-link', { hasText: 'Raw .eml' }).click()]);
    await popup.waitForLoadState();
    expect(popup.url()).toMatch(/^blob:/);
    expect(await popup.locator('body').textContent()).toContain('Subject: Script inside');
    await popup.close();

    // Not fullPage: Chromium leaves out-of-viewport cross-origin (sandboxed) iframes blank in full-page shots.
    await page.screenshot({ path: '/tmp/dashboard.png' });
  });

  it('shows a text-only message without an HTML preview', async () => {
    await page.click(`#messages tr[data-id="${ids.plain}"]`);
    const detail = page.locator('#detail');
    await detail.locator('.text-part').filter({ hasText: 'Just text, Bob.' }).waitFor();
    expect(await detail.locator('iframe.preview').count()).toBe(0);
  });
});
