import * as fs from 'node:fs';
import { Browser, Page, chromium } from 'playwright-core';
import { CORRIDOR_COLOURS, STATUS_STYLE } from '../../apps/dashboard/src/views/map-shapes';
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
 * and this accepts the new one, as an operator would (at most three refusals). The click can
 * also land just after a render disabled the button (the page learnt of the supersede between
 * Playwright's checks and the click): no request is sent then, and this clicks again (at most
 * five times) instead of waiting for a result that cannot come.
 */
export async function acceptShownRecommendation(page: Page, reason: string): Promise<string> {
  let previousOutcome = '';
  let refused = 0;
  for (let clicks = 1; ; clicks++) {
    await page.waitForSelector('#accept-rec:not([disabled])', { timeout: 60_000 });
    const recId = await page.getAttribute('#accept-rec', 'data-rec-id');
    await page.fill('#decision-reason', reason);
    const sent = page
      .waitForRequest((r) => r.method() === 'POST' && /^\/api\/recommendations\/[^/]+\/accept$/.test(new URL(r.url()).pathname), { timeout: 5_000 })
      .then(() => true, () => false);
    await page.click('#accept-rec');
    if (!(await sent)) {
      if (clicks >= 5) throw new Error(`accept: ${clicks} clicks on #accept-rec sent no request (last for recommendation #${recId}; the page says "${await page.textContent('#decision-target')}")`);
      continue;
    }
    try {
      await page.waitForFunction(
        (previous) => {
          const text = document.querySelector('[data-testid="decision-result"]')?.textContent ?? '';
          return /^Accepted #\d+ by operator/.test(text) || (/^Not recorded/.test(text) && text !== previous);
        },
        previousOutcome,
        { timeout: 30_000 },
      );
    } catch (error) {
      throw new Error(`accept of recommendation #${recId} sent, but no outcome on the page within 30 s (decision-result "${await page.textContent('[data-testid="decision-result"]')}", target "${await page.textContent('#decision-target')}"): ${(error as Error).message.split('\n')[0]}`);
    }
    const outcome = (await page.textContent('[data-testid="decision-result"]'))!;
    if (/^Accepted/.test(outcome)) return outcome;
    if (!/HTTP 409/.test(outcome) || ++refused === 3) throw new Error(`accept refused: ${outcome}`);
    previousOutcome = outcome;
    // Wait for the next pending recommendation before trying again.
    await page.waitForFunction((was) => document.getElementById('accept-rec')?.getAttribute('data-rec-id') !== was, recId, { timeout: 60_000 });
  }
}

type Rgb = [number, number, number];
const rgbOf = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
/** The map's corridor line colours (apps/dashboard/src/views/map-shapes.ts). */
export const NORMAL_RGB = rgbOf(CORRIDOR_COLOURS.normal);
export const SELECTED_RGB = rgbOf(CORRIDOR_COLOURS.selected);

/** Pixels of the map's canvas in the chosen corridor's colour (0 when none is highlighted). */
export async function highlightPixels(page: Page): Promise<number> {
  return page.evaluate((rgb) => {
    let n = 0;
    for (const canvas of Array.from(document.querySelectorAll<HTMLCanvasElement>('#map canvas'))) {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < data.length; i += 4) if (data[i] === rgb[0] && data[i + 1] === rgb[1] && data[i + 2] === rgb[2] && data[i + 3] === 255) n++;
    }
    return n;
  }, SELECTED_RGB);
}

/**
 * A point on the page over a corridor line of this colour, as far as possible from anything
 * else drawn (crossings, labels), inside the map and away from its controls; null when no
 * such point is at least 20 px clear. Read from the canvas's own pixels.
 */
export async function corridorLineSpot(page: Page, rgb: Rgb = NORMAL_RGB): Promise<{ x: number; y: number } | null> {
  return page.evaluate(
    ({ rgb, selected, markerColours }) => {
      const canvas = document.querySelector<HTMLCanvasElement>('#map canvas');
      const map = document.getElementById('map');
      if (!canvas || !map) return null;
      const { width, height } = canvas;
      const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
      const rect = canvas.getBoundingClientRect();
      const box = map.getBoundingClientRect();
      const sx = rect.width / width;
      const sy = rect.height / height;
      const near = (i: number, c: number[], d: number) => Math.abs(data[i] - c[0]) + Math.abs(data[i + 1] - c[1]) + Math.abs(data[i + 2] - c[2]) <= d;
      // Crossings and their labels: a status colour, light text, or the dark outline (the road and
      // corridor lines are mid-tones; the chosen corridor's colour is not a crossing's).
      const other = new Uint8Array(width * height);
      for (let p = 0, i = 0; p < width * height; p++, i += 4) {
        if (data[i + 3] <= 40 || near(i, selected, 60)) continue;
        const max = Math.max(data[i], data[i + 1], data[i + 2]);
        if (max > 170 || max < 35 || markerColours.some((c) => near(i, c, 50))) other[p] = 1;
      }
      let best: { x: number; y: number; clear: number } | null = null;
      // Leaflet hit-tests a crossing up to its radius (at most ~14 px) plus 4 px of tolerance around it.
      const R = 24;
      for (let y = R; y < height - R; y += 2) {
        for (let x = R; x < width - R; x += 2) {
          const i = (y * width + x) * 4;
          if (!(data[i + 3] === 255 && near(i, rgb, 0))) continue;
          const px = rect.left + x * sx;
          const py = rect.top + y * sy;
          // Inside the map, clear of the zoom and "City" controls (top left) and the scale bar (bottom left).
          if (px < box.left + 60 || px > box.right - 20 || py < box.top + 20 || py > box.bottom - 40) continue;
          let clear = R;
          for (let dy = -R; dy <= R && clear > 0; dy++) for (let dx = -R; dx <= R; dx++) if (other[(y + dy) * width + x + dx]) clear = Math.min(clear, Math.max(Math.abs(dx), Math.abs(dy)));
          if (!best || clear > best.clear) best = { x: px, y: py, clear };
        }
      }
      return best && best.clear >= 20 ? { x: best.x, y: best.y } : null;
    },
    { rgb, selected: SELECTED_RGB, markerColours: Object.values(STATUS_STYLE).map((st) => rgbOf(st.colour)) },
  );
}
