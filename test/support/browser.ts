import * as fs from 'node:fs';
import { Browser, Page, chromium } from 'playwright-core';
import { DEV_PASSWORDS, DevUser } from './auth';

/** Debian's chromium; `npx playwright install` cannot download browsers here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** Starts headless Chromium, or says exactly what to install. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install it with \`apt-get install -y chromium\` (.ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}

/** Signs in through the page's own form, as a person would. */
export async function signIn(page: Page, user: DevUser): Promise<void> {
  await page.waitForSelector('#login-form', { state: 'visible', timeout: 30_000 });
  await page.fill('#login-username', user);
  await page.fill('#login-password', DEV_PASSWORDS[user]);
  await page.click('#login-submit');
  await page.waitForSelector('#login', { state: 'hidden', timeout: 30_000 });
}

/**
 * Accepts the recommendation shown for the selected crossing and returns the result text
 * ("Accepted #<id> by operator …"). At replay speed the recommendation on screen can be
 * superseded by the next period's between render and click: the server then answers 409
 * and this accepts the new one, as an operator would (at most three tries).
 */
export async function acceptShownRecommendation(page: Page, reason: string): Promise<string> {
  let previousOutcome = '';
  for (let attempt = 1; ; attempt++) {
    await page.waitForSelector('#accept-rec:not([disabled])', { timeout: 60_000 });
    const recId = await page.getAttribute('#accept-rec', 'data-rec-id');
    await page.fill('#decision-reason', reason);
    await page.click('#accept-rec');
    await page.waitForFunction(
      (previous) => {
        const text = document.querySelector('[data-testid="decision-result"]')?.textContent ?? '';
        return /^Accepted #\d+ by operator/.test(text) || (/^Not recorded/.test(text) && text !== previous);
      },
      previousOutcome,
      { timeout: 15_000 },
    );
    const outcome = (await page.textContent('[data-testid="decision-result"]'))!;
    if (/^Accepted/.test(outcome)) return outcome;
    if (!/HTTP 409/.test(outcome) || attempt === 3) throw new Error(`accept refused: ${outcome}`);
    previousOutcome = outcome;
    // Wait for the next pending recommendation before trying again.
    await page.waitForFunction((refused) => document.getElementById('accept-rec')?.getAttribute('data-rec-id') !== refused, recId, { timeout: 60_000 });
  }
}
