import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Browser, Page } from 'playwright-core';
import { io, Socket } from 'socket.io-client';
import { API_PATHS, CorridorView, FusionServerEvents, RecommendationStatusChangeView, RecommendationView, SERVER_EVENT_NAMES, SignedTimingPlanMessageSchema, TIMING_PLAN_QUEUE } from '@crosscast/contracts';
import { authedFetch, loginAs } from '../support/auth';
import { devPlanJobId } from '../support/forecast-factory';
import { SELECTED_RGB, acceptShownRecommendation, corridorLineSpot, highlightPixels, launchChromium, signIn } from '../support/browser';
import { TEST_REDIS_URL, eventually, openDatabase } from '../support/infrastructure';
import { RunningPlatform, startPlatform } from '../support/platform';

/**
 * The operator dashboard in a real headless browser against the real platform: sign-in,
 * the map shows the city's crossings, a live update arrives without a reload, and an
 * operator accepts a recommendation (audit trail on the page and in PostgreSQL, the plan
 * on the timing-plan queue); search by road and id, filter by status, open a crossing from
 * the list (the map zooms to it), the corridors outlined on the map (one line per corridor of
 * GET /api/corridors; chosen in the filter or by a click on its line: highlighted on the
 * canvas, the list keeps its crossings; a second click shows all again), the alerts list
 * (severity order, link, acknowledge, kept on the server), the measures panel's "no
 * controller events" message (replay mode); a viewer sees no decision buttons.
 */
/** A point over a corridor line once the map has stopped moving (the same point twice, 300 ms apart). */
async function steadySpot(page: Page, rgb?: Parameters<typeof corridorLineSpot>[1]): Promise<{ x: number; y: number }> {
  let last: { x: number; y: number } | null = null;
  return eventually(
    async () => {
      const spot = await corridorLineSpot(page, rgb);
      const same = spot && last && spot.x === last.x && spot.y === last.y;
      last = spot;
      return same ? spot : null;
    },
    'a corridor line clear of crossings on the map, the map at rest',
    15_000,
    300,
  );
}

describe('operator dashboard in headless Chromium', () => {
  const crossingIds = ['0970', '2000', '3120'];
  let platform: RunningPlatform;
  let browser: Browser;
  // Closed in afterAll whatever happens: a client left reconnecting to the stopped platform kept Jest from exiting after a failure.
  let listener: Socket<FusionServerEvents> | null = null;

  beforeAll(async () => {
    // A slower replay (one interval a second) so the test can watch updates arrive one by one.
    // Recommendations at every hourly planning period with any gain: this test checks the page and
    // the workflow, not the hysteresis (test/integration/recommendations.int-spec.ts does). An hour
    // of data time is 4 s here; acceptShownRecommendation copes with one superseded meanwhile.
    // The recommendation panel's per-crossing plans are fusion's with SIGNAL_ADVICE=fixed-time (with
    // the group advice, the default, a crossing's one advice is its group's: closed-loop.e2e-spec.ts).
    platform = await startPlatform(crossingIds, { simulator: { REPLAY_SPEED: '900' }, fusion: { PLANNING_PERIOD_MINUTES: '60', MIN_GAIN_SECONDS: '0', MIN_GAIN_SHARE: '0', SIGNAL_ADVICE: 'fixed-time' } });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    listener?.disconnect();
    await browser?.close();
    await platform?.stop();
  }, 60_000);

  it('draws every crossing on the map and updates the selected crossing live, without reloading', async () => {
    // Beside the page, a plain socket client records what the server says about recommendations:
    // the supersede rule is the server's and arrives as an event (the page no longer infers it).
    listener = io(platform.baseUrl, { transports: ['websocket'], auth: { token: await loginAs(platform.baseUrl, 'viewer') } });
    const made: RecommendationView[] = [];
    const moved: RecommendationStatusChangeView[] = [];
    listener.on(SERVER_EVENT_NAMES.recommendation, (r) => made.push(r));
    listener.on(SERVER_EVENT_NAMES.recommendationStatus, (change) => moved.push(change));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${platform.baseUrl}/#crossing=0970`);
    // Nothing is shown before signing in: the data needs a token.
    expect(await page.isVisible('#login-form')).toBe(true);
    await page.fill('#login-username', 'operator');
    await page.fill('#login-password', 'wrong-password');
    await page.click('#login-submit');
    await page.waitForFunction(() => /wrong password/.test(document.getElementById('login-error')?.textContent ?? ''), undefined, { timeout: 10_000 });
    await signIn(page, 'operator');
    expect(await page.textContent('[data-testid="user-role"]')).toBe('operator');

    // All 40 crossings of the city are on the map (its index) and in the list under it, whether or not their worker runs.
    await page.waitForSelector('[data-testid="map"][data-crossings="40"]', { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('#crossing-list li[data-crossing-id]').length === 40, undefined, { timeout: 30_000 });
    await page.waitForSelector('#crossing-list li[data-crossing-id="0970"][data-freshness="fresh"]', { timeout: 60_000 });
    // The map's legend stays inside its panel (its last entry, "cluster: count · worst · n stale/offline", ran past the edge).
    const legendOverflow = await page.$$eval('[data-testid="map-panel"] .legend .lg', (entries) => {
      const box = document.querySelector('[data-testid="map-panel"]')!;
      const panel = box.getBoundingClientRect();
      const padding = parseFloat(getComputedStyle(box).paddingRight);
      return entries.map((e) => e.getBoundingClientRect()).filter((r) => r.right > panel.right - padding + 0.5 || r.left < panel.left).length;
    });
    expect(legendOverflow).toBe(0);

    // A marker on window survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    await page.waitForFunction(() => /\d/.test(document.getElementById('selected-forecast-time')?.textContent ?? ''), undefined, { timeout: 60_000 });
    const firstForecastTime = await page.textContent('#selected-forecast-time');
    const firstUpdate = await page.textContent('#last-update');

    await page.waitForFunction((previous) => document.getElementById('selected-forecast-time')?.textContent !== previous, firstForecastTime, { timeout: 30_000 });
    expect(await page.textContent('#last-update')).not.toBe(firstUpdate);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    expect(Number(await page.textContent('#selected-observed'))).toBeGreaterThanOrEqual(0);
    // A pending forecast-driven recommendation, with its reason and expected delays.
    await page.waitForSelector('[data-testid="recommendation-status"]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid="recommendation"]')).toMatch(/\d+\s*s/);
    expect(await page.textContent('[data-testid="recommendation-reason"]')).toMatch(/approach|steady/);
    expect(await page.textContent('[data-testid="recommendation-delay"]')).toMatch(/Expected delay [\d.]+ s → [\d.]+ s per vehicle \(gain/);

    // The operator accepts the recommendation on screen, with a reason.
    await acceptShownRecommendation(page, 'e2e: accepted from the dashboard');
    const result = (await page.textContent('[data-testid="decision-result"]'))!;
    expect(result).toMatch(/sent for the next cycle boundary/);
    const recommendationId = /#(\d+)/.exec(result)![1];
    await page.waitForSelector(`[data-testid="audit-list"] li.accepted[data-recommendation-id="${recommendationId}"]`, { timeout: 10_000 });

    const db = await openDatabase(platform.databaseUrl);
    try {
      const [row] = await db.query(`SELECT decision, decided_by_username, reason, crossing_id, published_at FROM recommendation_decisions WHERE recommendation_id = $1`, [recommendationId]);
      expect(row).toMatchObject({ decision: 'accepted', decided_by_username: 'operator', reason: 'e2e: accepted from the dashboard', crossing_id: '0970' });
      expect(row.published_at).not.toBeNull();
    } finally {
      await db.destroy();
    }
    const redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    const plans = new Queue(TIMING_PLAN_QUEUE, { connection: redis, prefix: platform.queuePrefix });
    try {
      // Under the plan's own job id, signed with the street link key.
      const job = await plans.getJob(devPlanJobId(`rec-${recommendationId}`));
      expect(SignedTimingPlanMessageSchema.parse(job?.data)).toMatchObject({ crossingId: '0970', recommendationId, acceptedBy: 'operator' });
    } finally {
      await plans.close();
      redis.disconnect();
    }

    // Search by road, by id; filter by status; open a crossing from the list (the map zooms to it).
    const listed = () => page.$$eval('#crossing-list li[data-crossing-id]', (rows) => rows.map((r) => r.getAttribute('data-crossing-id')));
    await page.fill('[data-testid="map-search"]', 'canterbury rd');
    await page.waitForFunction(() => document.querySelectorAll('#crossing-list li[data-crossing-id]').length < 40, undefined, { timeout: 10_000 });
    expect(await listed()).toContain('3120');
    expect(await listed()).not.toContain('0970');
    // The map shows what the list shows.
    await page.waitForFunction(() => document.querySelector('[data-testid="map"]')?.getAttribute('data-crossings') === String(document.querySelectorAll('#crossing-list li[data-crossing-id]').length), undefined, { timeout: 10_000 });
    await page.fill('[data-testid="map-search"]', '2000');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#crossing-list li[data-crossing-id]')).map((r) => r.getAttribute('data-crossing-id')).join() === '2000', undefined, { timeout: 10_000 });
    await page.waitForSelector('[data-testid="map"][data-crossings="1"]', { timeout: 10_000 });
    const zoomBefore = Number(await page.getAttribute('[data-testid="map"]', 'data-zoom'));
    await page.click('#crossing-list li[data-crossing-id="2000"] button');
    await page.waitForFunction(() => document.getElementById('sel-id')?.textContent === '2000' && location.hash === '#crossing=2000', undefined, { timeout: 10_000 });
    await page.waitForFunction((before) => Number(document.querySelector('[data-testid="map"]')?.getAttribute('data-zoom')) > before, zoomBefore, { timeout: 10_000 });
    await page.fill('[data-testid="map-search"]', '');
    await page.check('[data-filter="fresh"]');
    await page.waitForFunction(() => document.querySelectorAll('#crossing-list li[data-crossing-id]').length < 40, undefined, { timeout: 10_000 });
    expect(new Set(await page.$$eval('#crossing-list li[data-crossing-id]', (rows) => rows.map((r) => r.getAttribute('data-freshness'))))).toEqual(new Set(['fresh']));
    await page.uncheck('[data-filter="fresh"]');
    await page.waitForFunction(() => document.querySelectorAll('#crossing-list li[data-crossing-id]').length === 40, undefined, { timeout: 10_000 });
    // Corridors (GET /api/corridors) are outlined on the map, one line each.
    const corridors = (await (await authedFetch(platform.baseUrl, await loginAs(platform.baseUrl, 'viewer'))(API_PATHS.corridors)).json()) as CorridorView[];
    expect(corridors.length).toBeGreaterThan(0);
    await page.waitForSelector(`[data-testid="map"][data-corridors="${corridors.length}"]`, { timeout: 30_000 });
    expect(await page.getAttribute('[data-testid="map"]', 'data-corridor-selected')).toBe('');
    expect(await highlightPixels(page)).toBe(0);
    // Choose one in the corridor filter (the longest): its line is highlighted, the list keeps its crossings.
    const longest = [...corridors].sort((a, b) => b.crossingIds.length - a.crossingIds.length)[0];
    await page.selectOption('[data-testid="corridor-filter"]', longest.name);
    await page.waitForFunction((name) => document.querySelector('[data-testid="map"]')?.getAttribute('data-corridor-selected') === name, longest.name, { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelectorAll('#crossing-list li[data-crossing-id]').length < 40, undefined, { timeout: 10_000 });
    expect((await listed()).sort()).toEqual([...longest.crossingIds].sort());
    await page.waitForFunction(() => document.querySelector('[data-testid="map"]')?.getAttribute('data-crossings') === String(document.querySelectorAll('#crossing-list li[data-crossing-id]').length), undefined, { timeout: 10_000 });
    await eventually(async () => (await highlightPixels(page)) > 50, 'the chosen corridor drawn highlighted', 10_000);
    await page.selectOption('[data-testid="corridor-filter"]', '');
    await page.waitForFunction(() => document.querySelectorAll('#crossing-list li[data-crossing-id]').length === 40, undefined, { timeout: 10_000 });
    await eventually(async () => (await highlightPixels(page)) === 0, 'no corridor highlighted', 10_000);

    // Choose one on the map itself: a click on a corridor's line (away from any crossing). The map is
    // still fitted to the corridor chosen above, so its line is long enough on screen to click.
    const spot = await steadySpot(page);
    await page.mouse.move(spot.x - 3, spot.y);
    await page.mouse.move(spot.x, spot.y, { steps: 3 });
    await page.waitForFunction(() => /crossings · coordinated/.test(document.getElementById('map-hover')?.textContent ?? ''), undefined, { timeout: 5_000 });
    await page.mouse.click(spot.x, spot.y);
    const chosen = await page.waitForFunction(() => document.querySelector('[data-testid="map"]')?.getAttribute('data-corridor-selected') || null, undefined, { timeout: 10_000 });
    const chosenName = (await chosen.jsonValue()) as string;
    const chosenCorridor = corridors.find((c) => c.name === chosenName)!;
    expect(chosenCorridor).toBeDefined();
    // The filter names it, the list keeps its crossings, its line is highlighted.
    expect(await page.$eval('[data-testid="corridor-filter"]', (el) => (el as HTMLSelectElement).value)).toBe(chosenName);
    await page.waitForFunction((n) => document.querySelectorAll('#crossing-list li[data-crossing-id]').length === n, chosenCorridor.crossingIds.length, { timeout: 10_000 });
    expect((await listed()).sort()).toEqual([...chosenCorridor.crossingIds].sort());
    await eventually(async () => (await highlightPixels(page)) > 50, 'the clicked corridor highlighted', 10_000);
    await page.screenshot({ path: path.join(os.tmpdir(), 'crosscast-dashboard-corridor.png') });
    // A second click on the chosen line shows every crossing again.
    const again = await steadySpot(page, SELECTED_RGB);
    await page.mouse.click(again.x, again.y);
    await page.waitForFunction(() => document.querySelector('[data-testid="map"]')?.getAttribute('data-corridor-selected') === '', undefined, { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelectorAll('#crossing-list li[data-crossing-id]').length === 40, undefined, { timeout: 10_000 });

    // The alerts list: pending recommendations (the least severe kind here) link to their crossing and can be acknowledged.
    await page.waitForSelector('#alerts-list li[data-alert-kind="pending"]', { timeout: 60_000 });
    const alertKinds = await page.$$eval('#alerts-list li[data-alert-kind]', (rows) => rows.map((r) => r.getAttribute('data-alert-kind')));
    const severity = ['offline', 'stale', 'degraded', 'drift', 'congestion', 'pending'];
    expect(alertKinds.map((k) => severity.indexOf(k!))).toEqual([...alertKinds.map((k) => severity.indexOf(k!))].sort((a, b) => a - b));
    // "With alert" shows only crossings that have an open alert.
    await page.check('[data-filter="alerted"]');
    // Read in one go in the page (a pending alert lives about 4 s here: two reads apart could see two different lists).
    await page.waitForFunction(
      () => {
        const alerted = new Set(Array.from(document.querySelectorAll('#alerts-list li[data-crossing-id]')).map((r) => r.getAttribute('data-crossing-id')));
        const shown = Array.from(document.querySelectorAll('#crossing-list li[data-crossing-id]')).map((r) => r.getAttribute('data-crossing-id'));
        return shown.length > 0 && shown.length < 40 && shown.every((id) => alerted.has(id));
      },
      undefined,
      { timeout: 10_000 },
    );
    await page.uncheck('[data-filter="alerted"]');
    // Open a pending alert's crossing and acknowledge it. The next period's recommendation supersedes it
    // about 4 s later (its row then goes): if that happens before the click, take the next one (at most three).
    let alertKey = '';
    for (let attempt = 1; ; attempt++) {
      await page.waitForSelector('#alerts-list li[data-alert-kind="pending"]:not([data-acknowledged-by])', { timeout: 60_000 });
      alertKey = (await page.getAttribute('#alerts-list li[data-alert-kind="pending"]:not([data-acknowledged-by])', 'data-alert-key'))!;
      const alertCrossing = alertKey.split(':')[1];
      const sent = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === API_PATHS.alertAcknowledgements && (r.postData() ?? '').includes(alertKey), { timeout: 8_000 }).then(() => true, () => false);
      const clicked = await page
        .click(`#alerts-list li[data-alert-key="${alertKey}"] button[data-select]`, { timeout: 3_000 })
        .then(() => page.waitForFunction((id) => document.getElementById('sel-id')?.textContent === id, alertCrossing, { timeout: 10_000 }))
        .then(() => page.click(`#alerts-list li[data-alert-key="${alertKey}"] button[data-ack]`, { timeout: 3_000 }))
        .then(() => true, () => false);
      if (clicked && (await sent)) break;
      if (attempt === 3) throw new Error(`could not acknowledge a pending alert in three tries (last ${alertKey})`);
    }
    // Shared through the server: listed as acknowledged by the operator (unless the recommendation was superseded meanwhile), and stored.
    await page.waitForFunction(
      (key) => {
        const row = document.querySelector(`#alerts-list li[data-alert-key="${key}"]`);
        return !row || row.getAttribute('data-acknowledged-by') === 'operator';
      },
      alertKey,
      { timeout: 10_000 },
    );
    const ackDb = await openDatabase(platform.databaseUrl);
    try {
      expect(await ackDb.query(`SELECT acknowledged_by_username FROM alert_acknowledgements WHERE alert_key = $1`, [alertKey])).toEqual([{ acknowledged_by_username: 'operator' }]);
    } finally {
      await ackDb.destroy();
    }
    // Replay mode: no controller event logs, and the crossing view says so instead of drawing empty charts.
    await page.waitForSelector('[data-testid="measures-empty"]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="measures-empty"]')).toMatch(/no controller events for this crossing yet/);

    await page.screenshot({ path: path.join(os.tmpdir(), 'crosscast-dashboard.png') });
    // Every superseded recommendation the server announced was one it had made pending for that crossing, superseded by a newer one.
    for (let waited = 0; !moved.some((m) => m.status === 'superseded') && waited < 60_000; waited += 500) await new Promise((r) => setTimeout(r, 500));
    listener.disconnect();
    listener = null;
    const superseded = moved.filter((m) => m.status === 'superseded');
    expect(superseded.length).toBeGreaterThan(0);
    for (const change of superseded) {
      for (const id of change.recommendationIds) {
        const old = made.find((r) => r.id === id);
        if (old) expect(old.crossingId).toBe(change.crossingId);
      }
      const by = made.find((r) => r.id === change.byRecommendationId)!;
      expect(by.crossingId).toBe(change.crossingId);
      expect(change.recommendationIds.every((id) => Number(id) < Number(by.id))).toBe(true);
    }

    expect(pageErrors).toEqual([]);

    // Signing out returns to the form; a viewer sees the data but no decision buttons.
    await page.click('#logout');
    await signIn(page, 'viewer');
    expect(await page.textContent('[data-testid="user-role"]')).toBe('viewer');
    await page.waitForFunction(() => /\d+\s*s/.test(document.querySelector('[data-testid="recommendation"]')?.textContent ?? ''), undefined, { timeout: 30_000 });
    expect(await page.isVisible('[data-testid="decision-box"]')).toBe(false);
    expect(pageErrors).toEqual([]);

    // A reload with the session in this tab: preload.js opens the socket before the main bundle
    // runs and the app takes it (one socket, not two), with the snapshot it received meanwhile.
    const websockets: string[] = [];
    page.on('websocket', (ws) => websockets.push(ws.url()));
    // Which script opened each WebSocket (the early socket is opened while preload.js runs).
    await page.addInitScript(() => {
      const opened: string[] = ((window as unknown as { __wsOpenedBy: string[] }).__wsOpenedBy = []);
      const Native = window.WebSocket;
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          opened.push((document.currentScript as HTMLScriptElement | null)?.src ?? 'no script');
        }
      };
    });
    await page.reload();
    await page.waitForSelector('[data-testid="map"][data-crossings="40"]', { timeout: 30_000 });
    await page.waitForSelector('#connection[data-state="connected"]', { timeout: 30_000 });
    await page.waitForFunction(() => Number(document.getElementById('last-update')?.dataset.count ?? 0) > 0, undefined, { timeout: 30_000 });
    await page.waitForSelector('#crossing-list li[data-crossing-id][data-freshness="fresh"]', { timeout: 30_000 });
    // The selected crossing's room is joined on the taken socket: its live values arrive.
    await page.waitForFunction(() => /\d/.test(document.getElementById('selected-forecast-time')?.textContent ?? ''), undefined, { timeout: 60_000 });
    expect(websockets.filter((url) => /socket\.io/.test(url))).toHaveLength(1);
    expect(await page.evaluate(() => (window as unknown as { __wsOpenedBy: string[] }).__wsOpenedBy)).toEqual([expect.stringMatching(/\/dist\/preload\.js$/)]);
    // Signed out elsewhere: a reload is refused (the early socket and request included) and shows the sign-in form.
    const viewerToken = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('crosscast.session') ?? '{}') as { token?: string }).token ?? '');
    expect((await fetch(`${platform.baseUrl}${API_PATHS.logout}`, { method: 'POST', headers: { authorization: `Bearer ${viewerToken}` } })).status).toBe(204);
    await page.reload();
    await page.waitForSelector('#login-form', { state: 'visible', timeout: 30_000 });
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
