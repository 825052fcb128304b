import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../console/support/browser';
import { ARTIFACTS, startOpsStack, type OpsStack } from './support/ops-stack';

/**
 * The admin dashboard in Debian's Chromium against the whole stack: log in with the admin's
 * password, see the test's servers with their states (and a new one arrive without a reload),
 * drain the node behind a confirmation, inspect one server's trail. Screenshots go to
 * test/artifacts/admin-*.png.
 */
describe('admin dashboard in Chromium', () => {
  let ops: OpsStack;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;
  const problems: string[] = [];
  let active: { id: string; requestId: string };
  let stopped: { id: string; requestId: string };
  const shot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `admin-${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ops = await startOpsStack();
    active = await ops.createServer('dash-active');
    stopped = await ops.createServer('dash-stopped');
    await ops.waitForStatus(active.id, 'ACTIVE');
    await ops.waitForStatus(stopped.id, 'ACTIVE');
    expect(
      (await ops.call('POST', `/compute/v2.1/servers/${stopped.id}/action`, { 'os-stop': null }))
        .status,
    ).toBe(202);
    await ops.waitForStatus(stopped.id, 'SHUTOFF');
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1300, height: 900 });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico'))
        problems.push(`${r.status()} ${r.url()}`);
    });
  }, 600000);

  afterAll(async () => {
    await browser?.close();
    await ops?.stop();
  });

  it('refuses a wrong password, then logs the admin in', async () => {
    await page.goto(`${ops.api}/admin`);
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('[data-testid=login-form] button[type=submit]');
    await page.waitForSelector('[data-testid=login-error]:has-text("Wrong user name or password")');
    problems.length = 0; // the 401 of that attempt was expected
    await page.fill('input[name=password]', ops.adminPassword);
    await page.click('[data-testid=login-form] button[type=submit]');
    await page.waitForSelector('#live.on');
    expect(await page.textContent('#who')).toBe('admin');
  });

  it('shows the servers by state on the overview and updates live when one more starts', async () => {
    await page.waitForSelector('[data-testid=count-STARTED] .n:text-is("1")');
    expect(await page.textContent('[data-testid=count-STOPPED] .n')).toBe('1');
    expect(await page.textContent('[data-testid=count-stuck] .n')).toBe('0');
    await shot('overview');
    const third = await ops.createServer('dash-live');
    await ops.waitForStatus(third.id, 'ACTIVE');
    // No reload: the stream pushes the new count.
    await page.waitForSelector('[data-testid=count-STARTED] .n:text-is("2")', { timeout: 30000 });
  });

  it('lists the servers with their states, and filters them', async () => {
    await page.click('a[data-nav=servers]');
    await page.waitForSelector(`[data-testid=server-row][data-server-id="${stopped.id}"]`);
    expect(await page.getAttribute(`[data-server-id="${active.id}"]`, 'data-status')).toBe(
      'ACTIVE',
    );
    expect(await page.getAttribute(`[data-server-id="${stopped.id}"]`, 'data-status')).toBe(
      'SHUTOFF',
    );
    expect(await page.textContent('[data-testid=server-total]')).toMatch(/^3 matching/);
    await shot('servers');
    await page.selectOption('select[name=state]', 'STOPPED');
    await page.click('[data-testid=server-filters] button[type=submit]');
    await page.waitForSelector('[data-testid=server-total]:has-text("1 matching")');
    expect(await page.locator('[data-testid=server-row]').count()).toBe(1);
    expect(await page.getAttribute('[data-testid=server-row]', 'data-server-id')).toBe(stopped.id);
  });

  it("inspects one server's trail: API request, RAPI job, events, state change", async () => {
    await page.click(`[data-server-id="${stopped.id}"] [data-testid=inspect-link]`);
    const create = `[data-testid=trail-request][data-request-id="${stopped.requestId}"]`;
    await page.waitForSelector(create);
    const chain = await page
      .locator(`${create} [data-testid=trail-chain] .badge`)
      .allTextContents();
    expect(chain).toEqual(['api', 'rapi', 'event', 'state']);
    expect(
      await page.locator(`${create} [data-testid=trail-entry][data-source=state]`).textContent(),
    ).toContain('BUILD -> STARTED');
    // The stop is a second request with its own chain ending in STOPPED.
    const requests = await page.locator('[data-testid=trail-request]').count();
    expect(requests).toBeGreaterThanOrEqual(2);
    await expect(
      page.locator('[data-testid=trail-entry][data-source=state]').last().textContent(),
    ).resolves.toContain('STARTED -> STOPPED');
    await shot('trail');
  });

  it('drains a node only after confirmation, through the master', async () => {
    await page.click('a[data-nav=backends]');
    await page.waitForSelector('[data-testid=node-row][data-drained=false]');
    const node = (await page.getAttribute('[data-testid=node-row]', 'data-node'))!;
    await page.click('[data-testid=node-drain]');
    await page.waitForSelector('#confirm[open]');
    expect(await page.textContent('#confirm-text')).toContain(`Drain node ${node}`);
    await page.screenshot({ path: join(ARTIFACTS, 'admin-drain-confirm.png') });
    await page.click('[data-testid=confirm-cancel]');
    const after = await ops.call('GET', '/admin/api/backends/nefos-local');
    expect(after.body.backend.nodes[0].drained).toBe(false);

    await page.click('[data-testid=node-drain]');
    await page.click('[data-testid=confirm-ok]');
    await page.waitForSelector(`[data-testid=node-row][data-node="${node}"][data-drained=true]`, {
      timeout: 60000,
    });
    expect(await page.textContent('[data-testid=backend-notice]')).toMatch(/^Job \d+: success$/);
    await shot('drained');
    // The master itself says so (a fresh RAPI read, not the dashboard's cache).
    const nodes = await ops.manage('node-list', '--json');
    expect(nodes.code).toBe(0);
    expect(JSON.parse(nodes.stdout)).toEqual([expect.objectContaining({ node, drained: true })]);

    await page.click('[data-testid=node-undrain]');
    await page.click('[data-testid=confirm-ok]');
    await page.waitForSelector(`[data-testid=node-row][data-node="${node}"][data-drained=false]`, {
      timeout: 60000,
    });
  });

  it('showed no page errors and no failed requests', () => {
    expect(problems).toEqual([]);
  });
});
