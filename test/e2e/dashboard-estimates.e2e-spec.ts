import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { DEV_PASSWORDS, authedFetch, loginAs } from '../support/auth';
import { TEST_REDIS_URL, eventually } from '../support/infrastructure';
import { RunningPlatform, startPlatform } from '../support/platform';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * A worker stops: the real platform (fusion, simulator, workers as processes) with crossing
 * 2000's worker in a process of its own. Once fusion has data from it, that process is
 * killed. The dashboard, open in headless Chromium, must mark 2000 as estimated on the map
 * without a reload, raise the stale alert, and show the estimate in the crossing panel,
 * while the crossings whose workers run stay as they are.
 */
describe('dashboard: a stopped worker’s crossing is shown as estimated', () => {
  const crossingIds = ['0970', '2000', '3126'];
  const STOPPED = '2000';
  let platform: RunningPlatform;
  let browser: Browser;
  let stoppedWorker: ChildProcess | null = null;
  const stoppedWorkerLog: string[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-e2e-stopped-'));

  beforeAll(async () => {
    // The shared worker process hosts the other two; 2000 gets its own process, so it can be stopped alone.
    platform = await startPlatform(crossingIds, { simulator: { REPLAY_SPEED: '900' }, worker: { CROSSING_IDS: crossingIds.filter((id) => id !== STOPPED).join(',') } });
    stoppedWorker = spawn(process.execPath, ['-r', path.join(ROOT, 'tools/register-aliases.js'), path.join(ROOT, 'dist/apps/edge-worker/src/main.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        REDIS_URL: TEST_REDIS_URL,
        CITY_DIR: 'seed-data/boroondara-2006',
        QUEUE_PREFIX: platform.queuePrefix,
        STREAM_PREFIX: platform.queuePrefix,
        NO_COLOR: '1',
        CROSSING_IDS: STOPPED,
        DATA_DIR: dataDir,
        TFJS_BACKEND: 'auto',
        MIN_TRAIN_INTERVALS: '250',
        TRAIN_EPOCHS: '4',
        HEARTBEAT_SECONDS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => stoppedWorkerLog.push(...chunk.toString().split('\n').filter(Boolean));
    stoppedWorker.stdout?.on('data', keep);
    stoppedWorker.stderr?.on('data', keep);
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    if (stoppedWorker && stoppedWorker.exitCode === null && stoppedWorker.signalCode === null) stoppedWorker.kill('SIGKILL');
    await browser?.close();
    await platform?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('marks the crossing estimated on the map, raises the alert and shows the estimate', async () => {
    const api = authedFetch(platform.baseUrl, await loginAs(platform.baseUrl, 'viewer'));
    // Fusion has fused 2000 from its own worker (so it has a profile to estimate from later).
    await eventually(
      async () => {
        const { fused } = await (await api(`/api/crossings/${STOPPED}/forecasts`)).json();
        return fused && fused.source !== 'estimated' && fused.freshness === 'fresh';
      },
      `a fused forecast for ${STOPPED} from its own worker`,
      90_000,
      500,
    ).catch((error) => {
      throw new Error(`${error.message}\n${stoppedWorkerLog.slice(-30).join('\n')}\n${platform.logs().split('\n').slice(-40).join('\n')}`);
    });

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${platform.baseUrl}/#crossing=${STOPPED}`);
    await page.waitForSelector('#login-form', { state: 'visible', timeout: 30_000 });
    await page.fill('#login-username', 'viewer');
    await page.fill('#login-password', DEV_PASSWORDS.viewer);
    await page.click('#login-submit');
    await page.waitForSelector('#login', { state: 'hidden', timeout: 30_000 });
    await page.waitForSelector(`#crossing-list li[data-crossing-id="${STOPPED}"][data-freshness="fresh"]`, { timeout: 30_000 });
    expect(await page.getAttribute(`#crossing-list li[data-crossing-id="${STOPPED}"]`, 'data-source')).not.toBe('estimated');
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

    // The worker process dies (a crash: no goodbye). The others carry on, so data time moves on.
    stoppedWorker!.kill('SIGKILL');

    await page.waitForSelector(`#crossing-list li[data-crossing-id="${STOPPED}"][data-source="estimated"]`, { timeout: 60_000 });
    expect(await page.getAttribute(`#crossing-list li[data-crossing-id="${STOPPED}"]`, 'class')).toMatch(/\bestimated\b/);
    expect(await page.getAttribute(`#crossing-list li[data-crossing-id="${STOPPED}"] button`, 'title')).toMatch(/estimated from neighbours and profile/);
    // The crossings whose workers run are not estimated. (On a loaded machine one of them can
    // fall two intervals behind for a moment and be estimated too; it then recovers.)
    const running = crossingIds.filter((x) => x !== STOPPED);
    await page.waitForFunction(
      (ids) => ids.every((id) => document.querySelector(`#crossing-list li[data-crossing-id="${id}"]`)?.getAttribute('data-source') !== 'estimated'),
      running,
      { timeout: 30_000 },
    );

    // The alert names the crossing and says estimates are shown.
    await page.waitForFunction(
      () => /^1 crossing (stale|offline|stale or offline): 2000 — estimates shown/.test(document.querySelector('[data-testid="stale-alert"]')?.textContent ?? ''),
      undefined,
      { timeout: 30_000 },
    );
    expect(await page.isVisible(`[data-testid="stale-alert"] [data-alert-crossing="${STOPPED}"]`)).toBe(true);

    // The crossing panel says so, with the estimate and its band; the city panel counts it.
    await page.waitForFunction(() => /^estimated \(worker (stale|offline)\)/.test(document.querySelector('[data-testid="estimate-label"]')?.textContent ?? ''), undefined, { timeout: 30_000 });
    expect(await page.textContent('[data-testid="estimate-note"]')).toMatch(/\+15 min [\d,]+ \(80% [\d,]+–[\d,]+\)/);
    expect(await page.textContent('[data-testid="forecast-source"]')).toBe('estimated');
    await page.waitForFunction(() => document.querySelector('[data-testid="city-estimated"]')?.textContent === '1 estimated', undefined, { timeout: 30_000 });

    // The REST view agrees.
    const list: Array<{ id: string; estimate: { source: string } | null }> = await (await api('/api/crossings')).json();
    expect(list.find((c) => c.id === STOPPED)!.estimate?.source).toBe('estimated');

    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await page.screenshot({ path: path.join(os.tmpdir(), 'crosscast-dashboard-estimated.png') });
    expect(pageErrors).toEqual([]);
  }, 240_000);
});
