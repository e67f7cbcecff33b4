import * as os from 'node:os';
import * as path from 'node:path';
import { Browser, Page, Response } from 'playwright-core';
import { API_PATHS, CrossingDetailView, CrossingMeasuresView } from '@crosscast/contracts';
import { isoToCityLocal } from '../../apps/dashboard/src/state/measures-window';
import { TIME_ZONE } from '../../apps/dashboard/src/ui/format';
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
 * green bars as the REST response the page received says; the window picker (last 4 h, a
 * from–to in city time, a backwards from–to refused) asks for that window and draws its
 * split failures and approach volumes as the answer holds them; an alert acknowledged on one
 * operator's page shows as acknowledged (who) on a second operator's page, from the server.
 */
/** Waits until the page draws a measures answer that `wanted` accepts, and returns that answer. */
async function drawnWindow(page: Page, seen: CrossingMeasuresView[], wanted: (m: CrossingMeasuresView) => boolean): Promise<CrossingMeasuresView> {
  return eventually(
    async () => {
      const drawn = await page.evaluate(() => ({ from: document.getElementById('measures-body')!.dataset.from, to: document.getElementById('measures-body')!.dataset.to, loading: /refreshing|loading/.test(document.getElementById('measures-head')?.textContent ?? '') }));
      const answer = [...seen].reverse().find((m) => m.from === drawn.from && m.to === drawn.to);
      return !drawn.loading && answer && wanted(answer) ? answer : null;
    },
    'the measures of the chosen window drawn',
    30_000,
    200,
  );
}

/** Split failures and approach volumes drawn equal the answer: per phase its greens in the window and its failures, per approach its bins. */
async function expectDrawn(page: Page, m: CrossingMeasuresView): Promise<void> {
  const inWindow = (iso: string) => Date.parse(iso) >= Date.parse(m.from) && Date.parse(iso) < Date.parse(m.to);
  const drawn = await page.evaluate(() => ({
    failures: Array.from(document.querySelectorAll('[data-testid="split-failures"]')).map((f) => ({
      phase: Number(f.getAttribute('data-phase')),
      greens: Number(f.getAttribute('data-greens')),
      failures: Number(f.getAttribute('data-failures')),
      gor: (f.querySelector('path.sf-gor')?.getAttribute('d')?.match(/M/g) ?? []).length,
      ror: (f.querySelector('path.sf-ror')?.getAttribute('d')?.match(/M/g) ?? []).length,
      bars: (f.querySelector('path.sf-fail')?.getAttribute('d')?.match(/M/g) ?? []).length,
    })),
    volumes: Array.from(document.querySelectorAll('[data-testid="volumes"] path.vol-line')).map((l) => ({ approach: l.getAttribute('data-approach'), bins: Number(l.getAttribute('data-bins')) })),
    pcdDots: Array.from(document.querySelectorAll('[data-testid="pcd"]')).reduce((n, f) => n + Number(f.getAttribute('data-dots')), 0),
  }));
  expect(drawn.failures.map((f) => f.phase)).toEqual(m.splitFailures.map((f) => f.phase));
  for (const f of drawn.failures) {
    const rest = m.splitFailures.find((x) => x.phase === f.phase)!;
    const greens = rest.greens.filter((g) => inWindow(g.greenStart));
    const failed = greens.filter((g) => g.failed).length;
    expect(f).toEqual({ phase: f.phase, greens: greens.length, failures: failed, gor: greens.length, ror: greens.length, bars: failed });
  }
  expect(drawn.volumes).toEqual(m.approachVolumes.map((v) => ({ approach: v.approachId, bins: v.bins.filter((b) => inWindow(b.start)).length })));
  expect(drawn.volumes.reduce((n, v) => n + v.bins, 0)).toBeGreaterThan(0);
  expect(drawn.pcdDots).toBe(m.pcd.reduce((n, p) => n + p.cycles.reduce((k, c) => k + c.arrivalsSeconds.length, 0), 0));
}

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
    // The window picker: the last 4 hours of the log, then a from–to in city time. Each time
    // the page asks for that window and draws exactly what the answer holds, split failures
    // and approach volumes included.
    const firstWindow = source!;
    await pageA.click('[data-testid="measures-window"] button[data-minutes="240"]');
    await pageA.waitForSelector('[data-testid="measures-window"][data-window="240"] button[data-minutes="240"].active', { timeout: 5_000 });
    const fourHours = await drawnWindow(pageA, measures, (m) => Date.parse(m.to) - Date.parse(m.from) === 4 * 3_600_000);
    expect(Date.parse(fourHours.to)).toBeGreaterThanOrEqual(Date.parse(firstWindow.to));
    await expectDrawn(pageA, fourHours);
    // From–to: the last half hour of that window, typed as city time.
    const fromIso = new Date(Date.parse(fourHours.to) - 30 * 60_000).toISOString();
    await pageA.fill('[data-testid="measures-from"]', isoToCityLocal(fromIso, TIME_ZONE));
    await pageA.fill('[data-testid="measures-to"]', isoToCityLocal(fourHours.to, TIME_ZONE));
    await pageA.click('[data-testid="measures-range-show"]');
    const range = await drawnWindow(pageA, measures, (m) => m.from === fromIso && m.to === fourHours.to);
    expect(await pageA.getAttribute('[data-testid="measures-window"]', 'data-window')).toBe('range');
    await expectDrawn(pageA, range);
    // A backwards from–to is refused on the page, without asking the server.
    const asked = measures.length;
    await pageA.fill('[data-testid="measures-from"]', isoToCityLocal(fourHours.to, TIME_ZONE));
    await pageA.fill('[data-testid="measures-to"]', isoToCityLocal(fromIso, TIME_ZONE));
    await pageA.click('[data-testid="measures-range-show"]');
    await pageA.waitForSelector('[data-testid="measures-range-error"]:not([hidden])', { timeout: 5_000 });
    expect(await pageA.textContent('[data-testid="measures-range-error"]')).toMatch(/start must be before the end/);
    expect(measures.length).toBe(asked);
    // Back to the last hour.
    await pageA.click('[data-testid="measures-window"] button[data-minutes="60"]');
    await drawnWindow(pageA, measures, (m) => Date.parse(m.to) - Date.parse(m.from) === 3_600_000);

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
