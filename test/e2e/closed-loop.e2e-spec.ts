import { Browser } from 'playwright-core';
import { SimulatedCrossingView } from '@crosscast/contracts';
import { authedFetch, loginAs } from '../support/auth';
import { acceptShownRecommendation, launchChromium, signIn } from '../support/browser';
import { eventually } from '../support/infrastructure';
import { RunningPlatform, startPlatform } from '../support/platform';

/**
 * The closed loop, on real processes: the simulator plays the Boroondara network (simulate
 * mode) and feeds the workers; a worker forecasts; fusion recommends a plan; an operator
 * accepts it on the dashboard; fusion sends it to the simulator, which runs it from the
 * next cycle boundary; the simulator's measurements come back through fusion, and the
 * dashboard shows the crossing's simulated delay under the accepted plan beside the
 * intervals before it.
 */
describe('closed loop in simulate mode: accept on the dashboard, see the simulated street run the plan', () => {
  const crossingIds = ['0970', '2000', '3120'];
  let platform: RunningPlatform;
  let browser: Browser;

  beforeAll(async () => {
    // One simulated interval a second after 3 simulated days of history; recommendations at
    // every hourly period with any gain (the hysteresis is tested in recommendations.int-spec.ts).
    platform = await startPlatform(crossingIds, {
      simulator: { SIMULATOR_MODE: 'simulate', SIM_NETWORK: 'boroondara', SIM_SPEED: '900', SIM_BACKFILL_DAYS: '3' },
      fusion: { PLANNING_PERIOD_MINUTES: '60', MIN_GAIN_SECONDS: '0', MIN_GAIN_SHARE: '0' },
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  }, 60_000);

  it('runs the accepted plan on the simulated street and shows its delay at that crossing', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${platform.baseUrl}/#crossing=0970`);
    await signIn(page, 'operator');

    // The simulated street's measurements for 0970 appear, under the base plan.
    await page.waitForSelector('#sim-panel:not([hidden]) #sim-plan', { timeout: 120_000 });
    const basePlan = (await page.textContent('#sim-plan'))!;
    expect(basePlan).not.toMatch(/^rec-/);
    expect(Number(await page.textContent('#sim-delay-value'))).toBeGreaterThanOrEqual(0);

    const outcome = await acceptShownRecommendation(page, 'e2e: closed loop');
    const recommendationId = /#(\d+)/.exec(outcome)![1];

    // The simulator runs it from the next cycle boundary and reports it: the panel names the
    // accepted plan and marks where the plan changed.
    await page.waitForFunction((planId) => document.getElementById('sim-plan')?.textContent === planId, `rec-${recommendationId}`, { timeout: 120_000 });
    expect(await page.locator('#sim-body tr.plan-change').count()).toBeGreaterThanOrEqual(1);

    // The same over REST: intervals under the base plan, then under the accepted one, each with its delay.
    const api = authedFetch(platform.baseUrl, await loginAs(platform.baseUrl, 'viewer'));
    const series = await eventually(async () => {
      const list = (await (await api('/api/simulation/crossings/0970?limit=96')).json()) as SimulatedCrossingView[];
      return list.some((m) => m.planId === `rec-${recommendationId}`) && list.some((m) => m.planId === basePlan) ? list : null;
    }, 'measurements under both plans');
    for (const m of series) expect(Number.isFinite(m.meanDelaySeconds)).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
