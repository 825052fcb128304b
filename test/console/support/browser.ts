import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium, headless, with a fresh profile (never a downloaded browser). */
export async function launchChromium(): Promise<{
  context: BrowserContext;
  close: () => Promise<void>;
}> {
  const profile = mkdtempSync(join(tmpdir(), 'nefos-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1024, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens a console URL, waits for noVNC to report the connection and for the guest's screen to
 * be drawn (pixels that are not the background), and saves a screenshot.
 */
export async function openConsoleInBrowser(
  context: BrowserContext,
  url: string,
  screenshotPath: string,
): Promise<{ status: string; litPixels: number; consoleErrors: string[] }> {
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('#status[data-state="connected"]', { timeout: 60000 });
  // Runs in the page. A function, not a string: the console page's CSP forbids eval. Typed by
  // hand because this project compiles without the DOM types.
  const litPixels = await page.waitForFunction(
    () => {
      type Canvas = {
        width: number;
        height: number;
        getContext(kind: '2d'): {
          getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
        };
      };
      const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } })
        .document;
      const canvas = doc.querySelector('#screen canvas') as Canvas | null;
      if (!canvas || canvas.width === 0) return 0;
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let lit = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 96) lit++;
      return lit > 200 ? lit : 0;
    },
    undefined,
    { timeout: 60000, polling: 250 },
  );
  await page.screenshot({ path: screenshotPath });
  const status = (await page.textContent('#status')) ?? '';
  const lit = (await litPixels.jsonValue()) as number;
  await page.close();
  return { status, litPixels: lit, consoleErrors };
}
