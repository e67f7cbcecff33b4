import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { RunningPlatform, startPlatform } from '../support/platform';

/** Debian's chromium; `npx playwright install` cannot download browsers here. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/**
 * The operator dashboard in a real headless browser against the real platform: the map
 * shows the city's crossings, and a live update arrives without a reload.
 */
describe('operator dashboard in headless Chromium', () => {
  const crossingIds = ['0970', '2000', '3120'];
  let platform: RunningPlatform;
  let browser: Browser;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install it with \`apt-get install -y chromium\` (.ci/run does)`);
    // A slower replay (one interval a second) so the test can watch updates arrive one by one.
    platform = await startPlatform(crossingIds, { simulator: { REPLAY_SPEED: '900' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  }, 60_000);

  it('draws every crossing on the map and updates the selected crossing live, without reloading', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${platform.baseUrl}/#crossing=0970`);

    // All 40 crossings of the city are on the map, whether or not their worker runs.
    await page.waitForFunction(() => document.querySelectorAll('circle.crossing').length === 40, undefined, { timeout: 30_000 });
    await page.waitForSelector('circle.crossing[data-crossing-id="0970"][data-freshness="fresh"]', { timeout: 60_000 });

    // A marker on window survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    await page.waitForFunction(() => /\d/.test(document.getElementById('selected-forecast-time')?.textContent ?? ''), undefined, { timeout: 60_000 });
    const firstForecastTime = await page.textContent('#selected-forecast-time');
    const firstUpdate = await page.textContent('#last-update');

    await page.waitForFunction((previous) => document.getElementById('selected-forecast-time')?.textContent !== previous, firstForecastTime, { timeout: 30_000 });
    expect(await page.textContent('#last-update')).not.toBe(firstUpdate);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    expect(Number(await page.textContent('#selected-observed'))).toBeGreaterThanOrEqual(0);
    expect(await page.textContent('[data-testid="recommendation"]')).toMatch(/\d+\s*s/);

    await page.screenshot({ path: path.join(os.tmpdir(), 'crosscast-dashboard.png') });
    expect(pageErrors).toEqual([]);
  }, 150_000);
});
