import { Browser } from 'playwright-core';
import { CorridorDecisionView, CorridorRecommendationView, CrossingRecommendationView, SimulatedCrossingView } from '@crosscast/contracts';
import { authedFetch, loginAs } from '../support/auth';
import { launchChromium, signIn } from '../support/browser';
import { eventually } from '../support/infrastructure';
import { RunningPlatform, startPlatform } from '../support/platform';

/**
 * The closed loop, on real processes: the simulator plays the Boroondara network (simulate
 * mode) and feeds the workers; a worker forecasts; fusion advises the crossing with its
 * group (coordinated or free actuated: the crossing's one advice, no fixed-time plan beside
 * it); an operator accepts it; fusion sends it to the simulator, which runs it from the
 * next boundary; the simulator's measurements come back through fusion, and the dashboard
 * shows the crossing's simulated delay under the accepted advice beside the intervals
 * before it. (The per-crossing fixed-time path, SIGNAL_ADVICE=fixed-time, is accepted on
 * the dashboard in dashboard.e2e-spec.ts.)
 */
describe('closed loop in simulate mode: accept the advice, see the simulated street run it', () => {
  const crossingIds = ['0970', '2000', '3120'];
  let platform: RunningPlatform;
  let browser: Browser;

  beforeAll(async () => {
    // One simulated interval a second after 3 simulated days of history; advice at every
    // hourly period with any gain (the hysteresis is tested in the integration specs).
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

  it('advises each crossing once, runs the accepted advice on the simulated street and shows its delay there', async () => {
    const viewer = authedFetch(platform.baseUrl, await loginAs(platform.baseUrl, 'viewer'));
    const operator = authedFetch(platform.baseUrl, await loginAs(platform.baseUrl, 'operator'));
    const pendingAdvice = async () => ((await (await viewer('/api/corridor-recommendations?status=pending&limit=50')).json()) as CorridorRecommendationView[]).find((r) => r.crossingIds.some((id) => crossingIds.includes(id))) ?? null;

    // The group advice for one of the crossings (free on no corridor, or coordinated).
    const first = await eventually(pendingAdvice, `a pending group advice for ${crossingIds.join(', ')}\n${platform.logs().slice(-4000)}`, 180_000, 500);
    const crossingId = first.crossingIds.find((id) => crossingIds.includes(id))!;

    // One advice: no fixed-time recommendation at the crossing, and its evaluation says whose advice it is.
    expect(await (await viewer(`/api/recommendations?crossing=${crossingId}`)).json()).toEqual([]);
    const panel = (await (await viewer(`/api/crossings/${crossingId}/recommendation`)).json()) as CrossingRecommendationView;
    expect(panel).toMatchObject({ pending: null, latest: null });
    expect(panel.lastEvaluation!.reason).toMatch(/^advised with its group: /);

    // The simulated street's measurements for the crossing appear on the dashboard, under the base plan.
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${platform.baseUrl}/#crossing=${crossingId}`);
    await signIn(page, 'operator');
    await page.waitForSelector('#sim-panel:not([hidden]) #sim-plan', { timeout: 120_000 });
    const basePlan = (await page.textContent('#sim-plan'))!;
    expect(basePlan).not.toMatch(/^(rec|cor)-/);
    expect(Number(await page.textContent('#sim-delay-value'))).toBeGreaterThanOrEqual(0);

    // The operator accepts the crossing's newest pending advice (at this pace the next period can
    // replace it between reading and accepting: then the next one, as an operator would).
    let decision: CorridorDecisionView | null = null;
    for (let attempt = 1; attempt <= 5 && !decision; attempt++) {
      const candidate = attempt === 1 ? first : await eventually(async () => {
        const list = (await (await viewer(`/api/corridor-recommendations?status=pending&crossing=${crossingId}`)).json()) as CorridorRecommendationView[];
        return list[0] ?? null;
      }, `a pending group advice for ${crossingId}`, 120_000, 500);
      const answer = await operator(`/api/corridor-recommendations/${candidate.id}/accept`, { method: 'POST', body: JSON.stringify({ reason: 'e2e: closed loop' }) });
      if (answer.status === 200) decision = (await answer.json()) as CorridorDecisionView;
      else expect(answer.status).toBe(409);
    }
    if (!decision) throw new Error('five advices in a row were replaced before they could be accepted');
    const planId = `cor-${decision.corridorRecommendationId}-${crossingId}`;

    // The simulator runs it from the next boundary and reports it: the panel names the
    // accepted plan and marks where the plan changed.
    await page.waitForFunction((id) => document.getElementById('sim-plan')?.textContent === id, planId, { timeout: 120_000 });
    expect(await page.locator('#sim-body tr.plan-change').count()).toBeGreaterThanOrEqual(1);

    // The same over REST: intervals under the base plan, then under the accepted one, each with its delay.
    const series = await eventually(async () => {
      const list = (await (await viewer(`/api/simulation/crossings/${crossingId}?limit=96`)).json()) as SimulatedCrossingView[];
      return list.some((m) => m.planId === planId) && list.some((m) => m.planId === basePlan) ? list : null;
    }, 'measurements under both plans');
    for (const m of series) expect(Number.isFinite(m.meanDelaySeconds)).toBe(true);
    const mean = (xs: SimulatedCrossingView[]) => xs.reduce((sum, m) => sum + m.meanDelaySeconds, 0) / xs.length;
    // Another controller on the same street: the crossing's delay is not what it was (equal means would say the advice never ran).
    expect(mean(series.filter((m) => m.planId === planId))).not.toBe(mean(series.filter((m) => m.planId === basePlan)));

    // Still one advice afterwards: no fixed-time recommendation puts the crossing back on a fixed-time plan.
    expect(await (await viewer(`/api/recommendations?crossing=${crossingId}`)).json()).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 420_000);
});
