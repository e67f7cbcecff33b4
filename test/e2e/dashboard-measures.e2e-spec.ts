import * as os from 'node:os';
import * as path from 'node:path';
import { Browser, Page, Response } from 'playwright-core';
import { API_PATHS, CrossingDetailView, CrossingMeasuresView } from '@crosscast/contracts';
import { authedFetch, loginAs } from '../support/auth';
import { launchChromium, signIn } from '../support/browser';
import { eventually, openDatabase } from '../support/infrastructure';
import { RunningPlatform, startPlatform } from '../support/platform';

/** Where the crossing-view screenshot goes (bench/results/dashboard-measures.png is taken from it). */
export const MEASURES_SCREENSHOT = process.env.MEASURES_SCREENSHOT ?? path.join(os.tmpdir(), 'crosscast-dashboard-measures.png');

/**
 * The crossing view's performance-measure charts and the shared alert acknowledgements, in
 * headless Chromium against the real platform with the simulator in simulate mode (its
 * signals' controller event logs reach fusion): the Purdue Coordination Diagram and the
 * split monitor of the selected crossing are drawn with exactly as many arrival dots and
 * green bars as the REST response the page received says; an alert acknowledged on one
 * operator's page shows as acknowledged (who) on a second operator's page, from the server.
 */
describe('dashboard: performance measures and shared acknowledgements in headless Chromium', () => {
  let platform: RunningPlatform;
  let browser: Browser;

  beforeAll(async () => {
    platform = await startPlatform(['0970', '2000'], {
      // One worker process per crossing, so 2000's can be stopped (a stale crossing: an alert that lasts).
      workerGroups: [['0970'], ['2000']],
      simulator: { SIMULATOR_MODE: 'simulate', SIM_NETWORK: 'boroondara', SIM_SPEED: '900', SIM_BACKFILL_DAYS: '3' },
      // Stale, not offline, for the whole test: the alert keeps its key.
      fusion: { OFFLINE_AFTER_SECONDS: '3600' },
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  }, 60_000);

  /** Every measures response the page receives, in order. */
  const recordMeasures = (page: Page): CrossingMeasuresView[] => {
    const seen: CrossingMeasuresView[] = [];
    page.on('response', (response: Response) => {
      if (/\/api\/crossings\/[^/]+\/measures/.test(response.url()) && response.status() === 200) void response.json().then((body: CrossingMeasuresView) => seen.push(body), () => undefined);
    });
    return seen;
  };

  it('draws the PCD and the split monitor from the measures, and shares an acknowledgement between two operators', async () => {
    const viewer = authedFetch(platform.baseUrl, await loginAs(platform.baseUrl, 'viewer'));
    // The simulator's event logs for 0970 have reached fusion (they come one interval late).
    await eventually(async () => {
      const m = (await (await viewer(API_PATHS.crossingMeasures('0970'))).json()) as CrossingMeasuresView;
      return m.pcd.some((p) => p.cycles.some((c) => c.arrivalsSeconds.length > 0)) && m.splitMonitor.some((p) => p.greens.length > 0);
    }, 'controller event logs of 0970 with arrivals and greens', 180_000, 1000);

    const pageA = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    pageA.on('pageerror', (error) => errors.push(error.message));
    const measures = recordMeasures(pageA);
    await pageA.goto(`${platform.baseUrl}/#crossing=0970`);
    await signIn(pageA, 'operator');
    await pageA.waitForSelector('[data-testid="pcd"] svg', { timeout: 60_000 });
    await pageA.waitForSelector('[data-testid="split"] svg', { timeout: 60_000 });

    // What is drawn equals the REST response the page drew it from (matched by its window).
    const drawn = await pageA.evaluate(() => {
      const body = document.getElementById('measures-body')!;
      const subpaths = (el: Element | null) => (el?.getAttribute('d')?.match(/M/g) ?? []).length;
      return {
        from: body.dataset.from,
        to: body.dataset.to,
        pcd: Array.from(document.querySelectorAll('[data-testid="pcd"]')).map((f) => ({
          phase: Number(f.getAttribute('data-phase')),
          dots: Number(f.getAttribute('data-dots')),
          paths: subpaths(f.querySelector('path.pcd-dots:not(.on-green)')) + subpaths(f.querySelector('path.pcd-dots.on-green')),
          caption: f.querySelector('figcaption')?.textContent ?? '',
          bands: f.querySelectorAll('rect.pcd-band').length,
        })),
        split: Array.from(document.querySelectorAll('[data-testid="split"]')).map((f) => ({
          phase: Number(f.getAttribute('data-phase')),
          marks: Number(f.getAttribute('data-marks')),
          shapes: f.querySelectorAll('path.split-mark').length,
          bars: f.querySelectorAll('line.split-bar').length,
          terminations: Array.from(f.querySelectorAll('path.split-mark')).map((m) => m.getAttribute('data-termination')),
        })),
      };
    });
    const source = [...measures].reverse().find((m) => m.from === drawn.from && m.to === drawn.to);
    expect(source).toBeDefined();
    expect(drawn.pcd.map((p) => p.phase)).toEqual(source!.pcd.map((p) => p.phase));
    for (const p of drawn.pcd) {
      const rest = source!.pcd.find((x) => x.phase === p.phase)!;
      const arrivals = rest.cycles.reduce((n, c) => n + c.arrivalsSeconds.length, 0);
      expect({ phase: p.phase, dots: p.dots, paths: p.paths }).toEqual({ phase: p.phase, dots: arrivals, paths: arrivals });
      expect(p.bands).toBe(rest.cycles.filter((c) => c.greenAtSeconds !== null).length);
      const aog = source!.arrivalsOnGreen.find((a) => a.phase === p.phase)!;
      if (aog.aogShare !== null) expect(p.caption).toContain(`arrivals on green ${Math.round(aog.aogShare * 100)}%`);
    }
    expect(drawn.pcd.reduce((n, p) => n + p.dots, 0)).toBeGreaterThan(0);
    expect(drawn.split.map((p) => p.phase)).toEqual(source!.splitMonitor.map((p) => p.phase));
    for (const p of drawn.split) {
      const rest = source!.splitMonitor.find((x) => x.phase === p.phase)!;
      expect({ marks: p.marks, shapes: p.shapes, bars: p.bars }).toEqual({ marks: rest.greens.length, shapes: rest.greens.length, bars: rest.greens.length });
      expect(p.terminations).toEqual(rest.greens.map((g) => g.termination));
    }
    // The crossing view from its header down to the end of the measures (the forecast chart above them).
    const clip = await pageA.evaluate(() => {
      const top = document.querySelector('[data-testid="crossing-panel"]')!.getBoundingClientRect();
      const end = document.querySelector('[data-testid="measures"]')!.getBoundingClientRect();
      return { x: top.left + window.scrollX, y: top.top + window.scrollY, width: top.width, height: end.bottom - top.top + 8 };
    });
    await pageA.screenshot({ path: MEASURES_SCREENSHOT, fullPage: true, clip });

    // 2000's worker stops: the crossing goes stale, an alert on every dashboard.
    const detail = async (id: string) => (await (await viewer(API_PATHS.crossing(id))).json()) as CrossingDetailView;
    await eventually(async () => (await detail('2000')).status.freshness === 'fresh', '2000 fresh before its worker stops', 180_000, 1000);
    await platform.kill('edge-worker-1');
    await eventually(async () => (await detail('2000')).status.freshness === 'stale', '2000 stale', 60_000, 500);
    const staleRow = '#alerts-list li[data-alert-kind="stale"][data-crossing-id="2000"]';
    await pageA.waitForSelector(staleRow, { timeout: 30_000 });
    const key = (await pageA.getAttribute(staleRow, 'data-alert-key'))!;

    // A second operator's page, in its own browser context (its own session).
    const contextB = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const pageB = await contextB.newPage();
    pageB.on('pageerror', (error) => errors.push(error.message));
    await pageB.goto(`${platform.baseUrl}/#crossing=2000`);
    await signIn(pageB, 'admin');
    const rowB = `#alerts-list li[data-alert-key="${key}"]`;
    await pageB.waitForSelector(`${rowB}:not(.alert-acked) button[data-ack]`, { timeout: 30_000 });

    await pageA.click(`#alerts-list li[data-alert-key="${key}"] button[data-ack]`);
    await pageA.waitForSelector(`#alerts-list li[data-alert-key="${key}"].alert-acked[data-acknowledged-by="operator"]`, { timeout: 10_000 });
    // Page B is told by the server (no reload): acknowledged, by whom, and no button any more.
    await pageB.waitForSelector(`${rowB}.alert-acked[data-acknowledged-by="operator"]`, { timeout: 10_000 });
    expect(await pageB.textContent(`${rowB} .ack-by`)).toMatch(/acknowledged by operator at \d\d:\d\d:\d\d/);
    expect(await pageB.locator(`${rowB} button[data-ack]`).count()).toBe(0);
    expect(await pageB.textContent('#alerts-summary')).toMatch(/1 acknowledged|\d+ acknowledged/);

    // On the server: one row, by the operator.
    const db = await openDatabase(platform.databaseUrl);
    try {
      expect(await db.query(`SELECT alert_key, kind, crossing_id, acknowledged_by_username FROM alert_acknowledgements`)).toEqual([{ alert_key: key, kind: 'stale', crossing_id: '2000', acknowledged_by_username: 'operator' }]);
    } finally {
      await db.destroy();
    }
    // A page opened afterwards (a viewer's) loads it from REST.
    const pageC = await contextB.newPage();
    await pageC.goto(`${platform.baseUrl}/#crossing=2000`);
    await signIn(pageC, 'viewer');
    await pageC.waitForSelector(`${rowB}.alert-acked[data-acknowledged-by="operator"]`, { timeout: 30_000 });
    await contextB.close();
    expect(errors).toEqual([]);
  }, 480_000);
});
