import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CityDefinitionSchema, CrossingMeasuresView, RecommendationView, SimulatedCrossingView } from '@crosscast/contracts';
import { authedFetch, loginAs } from '../support/auth';
import { eventually } from '../support/infrastructure';
import { RunningPlatform, startPlatform } from '../support/platform';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'sumo-grid');

/**
 * Bring your own city, end to end (issue 14, part 6): a SUMO network made by netgenerate
 * (test/fixtures/sumo-grid, see its README) is imported with the built `sim:import` CLI
 * into a city folder; fusion, the simulator (SIM_NETWORK=imported) and the crossings'
 * workers run on that folder as separate processes against real PostgreSQL and Redis.
 * The workers' forecasts are stored, fusion recommends a plan for an imported crossing, an
 * operator accepts it, and the simulator runs it there: its measurements come back under
 * the accepted plan beside the intervals under the imported program.
 */
describe('an imported SUMO city runs the closed loop: forecasts, a recommendation, the accepted plan on the simulated street', () => {
  const cityDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-imported-city-'));
  let crossingIds: string[];
  let platform: RunningPlatform;

  beforeAll(async () => {
    const entry = path.join(ROOT, 'dist', 'tools', 'sim-import.js');
    if (!fs.existsSync(entry)) throw new Error('dist/tools/sim-import.js is missing: run `npm run build` first (npm test does)');
    const imported = spawnSync(
      process.execPath,
      ['-r', path.join(ROOT, 'tools/register-aliases.js'), entry, '--sumo', path.join(FIXTURES, 'grid.net.xml'), '--routes', path.join(FIXTURES, 'grid.rou.xml'), '--out', cityDir],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (imported.status !== 0) throw new Error(`sim:import failed:\n${imported.stdout}\n${imported.stderr}`);
    expect(imported.stdout).toMatch(/imported sumo: .* 4 signalised/);
    crossingIds = CityDefinitionSchema.parse(JSON.parse(fs.readFileSync(path.join(cityDir, 'crossings.json'), 'utf8'))).crossings.map((c) => c.id);
    expect(crossingIds).toEqual(['A0', 'A1', 'B0', 'B1']);

    // One simulated interval a second after two simulated days of history; plans every
    // simulated hour with any gain (the hysteresis is tested in recommendations.int-spec.ts).
    const city = { CITY_DIR: cityDir };
    platform = await startPlatform(crossingIds, {
      simulator: { ...city, SIMULATOR_MODE: 'simulate', SIM_NETWORK: 'imported', SIM_SPEED: '900', SIM_BACKFILL_DAYS: '2' },
      // Per-crossing fixed-time plans against the imported programs (SIGNAL_ADVICE=fixed-time; the group advice is closed-loop.e2e-spec.ts's).
      fusion: { ...city, PLANNING_PERIOD_MINUTES: '60', MIN_GAIN_SECONDS: '0', MIN_GAIN_SHARE: '0', SIGNAL_ADVICE: 'fixed-time' },
      worker: city,
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    fs.rmSync(cityDir, { recursive: true, force: true });
  }, 60_000);

  it('stores forecasts and recommends a plan for an imported crossing; the simulator runs the accepted plan there', async () => {
    const viewer = authedFetch(platform.baseUrl, await loginAs(platform.baseUrl, 'viewer'));
    const operator = authedFetch(platform.baseUrl, await loginAs(platform.baseUrl, 'operator'));

    // Every imported crossing's worker forecasts, and fusion stores it.
    for (const id of crossingIds) {
      await eventually(async () => ((await (await viewer(`/api/crossings/${id}/forecasts`)).json()) as { forecasts: unknown[] }).forecasts.length > 0, `stored forecasts for ${id}\n${platform.logs().slice(-4000)}`, 120_000, 500);
    }

    // The simulated street reports every imported crossing under its imported program.
    for (const id of crossingIds) {
      await eventually(
        async () => ((await (await viewer(`/api/simulation/crossings/${id}?limit=1`)).json()) as SimulatedCrossingView[])[0]?.planId === 'imported-fixed',
        `simulated intervals at ${id} under the imported program\n${platform.logs().slice(-4000)}`,
        120_000,
        500,
      );
    }

    // Fusion recommends plans for the imported crossings, judged against their imported
    // programs; the operator accepts the newest pending one (at this pace the next period can
    // supersede it between reading and accepting: then the next one, as an operator would).
    let rec: RecommendationView | null = null;
    for (let attempt = 1; attempt <= 5 && !rec; attempt++) {
      const candidate = await eventually(
        async () => ((await (await viewer('/api/recommendations?status=pending&limit=50')).json()) as RecommendationView[]).find((r) => crossingIds.includes(r.crossingId)) ?? null,
        `a pending recommendation for an imported crossing\n${platform.logs().slice(-4000)}`,
        180_000,
        500,
      );
      const answer = await operator(`/api/recommendations/${candidate.id}/accept`, { method: 'POST', body: JSON.stringify({ reason: 'e2e: imported city' }) });
      if (answer.status === 200) rec = candidate;
      else expect(answer.status).toBe(409);
    }
    if (!rec) throw new Error('five recommendations in a row were superseded before they could be accepted');
    const accepted: RecommendationView = rec;
    expect(accepted.phases.flatMap((p) => p.approaches).every((a) => a.startsWith(`${accepted.crossingId}:`))).toBe(true);
    expect(accepted.comparedWith).toMatchObject({ source: 'base-plan', planId: 'imported-fixed', cycleSeconds: 90 });

    // The simulator runs it from the crossing's next cycle boundary and reports it.
    const series = await eventually(
      async () => {
        const list = (await (await viewer(`/api/simulation/crossings/${accepted.crossingId}?limit=96`)).json()) as SimulatedCrossingView[];
        return list.some((m) => m.planId === `rec-${accepted.id}`) ? list : null;
      },
      `the simulated street under rec-${accepted.id} at ${accepted.crossingId}\n${platform.logs().slice(-4000)}`,
      120_000,
      500,
    );
    expect(series.some((m) => m.planId === 'imported-fixed')).toBe(true);
    const under = series.filter((m) => m.planId === `rec-${accepted.id}`);
    for (const m of under) {
      expect(Number.isFinite(m.meanDelaySeconds)).toBe(true);
      expect(m.throughput).toBeGreaterThan(0);
    }
    expect(platform.logs()).not.toMatch(/timing plan \S+ for \S+ refused/);

    // The simulator's controller event log of that crossing gives the performance measures.
    const measures = (await (await viewer(`/api/crossings/${accepted.crossingId}/measures`)).json()) as CrossingMeasuresView;
    expect(measures.splitMonitor.length).toBeGreaterThanOrEqual(2);
    expect(measures.approachVolumes.reduce((n, a) => n + a.total, 0)).toBeGreaterThan(0);
  }, 400_000);
});
