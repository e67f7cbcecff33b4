import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DetectorReadingSchema, SimulationReportSchema } from '@crosscast/contracts';
import { buildImportedCityFolder, cityFolderFiles, generateCityFlowGrid, importCityFlow, importSumo } from '@crosscast/simulation';
import { loadSimCity } from './sim-city.loader';
import { SimulatedStreet } from './simulated-street';

const FIXTURES = path.join(__dirname, '..', '..', '..', '..', 'libs', 'simulation', 'src', 'import', 'fixtures');

function writeFolder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-imported-city-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('SIM_NETWORK=imported', () => {
  it('runs a SUMO import as a city: readings for its signalised crossing, unsignalised junctions simulated but not reported', () => {
    const imported = importSumo(fs.readFileSync(path.join(FIXTURES, 'two-junctions.net.xml'), 'utf8'), fs.readFileSync(path.join(FIXTURES, 'two-junctions.rou.xml'), 'utf8'));
    const dir = writeFolder(cityFolderFiles(buildImportedCityFolder(imported, { name: 'two', source: 'fixture', dailyProfile: 'flat' })));
    const loaded = loadSimCity('imported', dir, 1);
    expect(loaded.sim.crossings.map((c) => c.id)).toEqual(['J1']);
    expect(loaded.sim.network.crossings.map((c) => c.id)).toEqual(['J1', 'J2']);
    const street = new SimulatedStreet(loaded.sim, { seed: 1, originMs: Date.parse('2006-10-09T00:00:00+10:00'), intervalMinutes: loaded.intervalMinutes, dailyDemand: loaded.dailyDemand, runId: 'test' });
    let total = 0;
    for (let k = 0; k < 4; k++) {
      const interval = street.advance();
      expect(interval.readings).toHaveLength(1);
      expect(DetectorReadingSchema.parse(interval.readings[0])).toEqual(interval.readings[0]);
      expect(Object.keys(interval.readings[0].counts).sort()).toEqual(['J1:E', 'J1:N', 'J1:W']);
      SimulationReportSchema.parse(interval.report);
      total += Object.values(interval.readings[0].counts).reduce((s: number, c) => s + (c ?? 0), 0);
    }
    expect(total).toBeGreaterThan(0);
  });

  it('runs a CityFlow import of 16 signals', () => {
    const { roadnet, flow } = generateCityFlowGrid({ rows: 4, cols: 4 });
    const dir = writeFolder(cityFolderFiles(buildImportedCityFolder(importCityFlow(JSON.stringify(roadnet), JSON.stringify(flow)), { name: 'cf', source: 'generated' })));
    const loaded = loadSimCity('imported', dir, 1);
    expect(loaded.definition.crossings).toHaveLength(16);
    const street = new SimulatedStreet(loaded.sim, { seed: 1, originMs: Date.parse('2006-10-09T08:00:00+10:00'), intervalMinutes: loaded.intervalMinutes, dailyDemand: loaded.dailyDemand, runId: 'test' });
    expect(street.advance().readings).toHaveLength(16);
  });

  it('takes a two-phase plan on a two-phase imported crossing, and refuses one for a four-phase crossing with the reason', () => {
    const imported = importSumo(fs.readFileSync(path.join(FIXTURES, 'two-junctions.net.xml'), 'utf8'), fs.readFileSync(path.join(FIXTURES, 'two-junctions.rou.xml'), 'utf8'));
    const loaded = loadSimCity('imported', writeFolder(cityFolderFiles(buildImportedCityFolder(imported, { name: 'two', source: 'fixture' }))), 1);
    const street = new SimulatedStreet(loaded.sim, { seed: 1, originMs: 0, intervalMinutes: 15, dailyDemand: loaded.dailyDemand, runId: 'test' });
    const plan = (crossingId: string, phases: Array<{ name: string; approaches: string[]; greenSeconds: number }>) => ({
      v: 1 as const, planId: 'p1', crossingId, createdAt: '2006-10-09T00:00:00.000Z', cycleSeconds: 60, phases, source: 'test',
    });
    const outcome = street.applyPlan(plan('J1', [{ name: 'EW', approaches: ['J1:E', 'J1:W'], greenSeconds: 30 }, { name: 'N', approaches: ['J1:N'], greenSeconds: 20 }]) as never);
    expect(outcome).toEqual({ ok: true, plan: { greenSeconds: [30, 20], amberSeconds: 3, allRedSeconds: 2, offsetSeconds: 10 } });

    const { roadnet, flow } = generateCityFlowGrid({ rows: 1, cols: 1 });
    const grid = loadSimCity('imported', writeFolder(cityFolderFiles(buildImportedCityFolder(importCityFlow(JSON.stringify(roadnet), JSON.stringify(flow)), { name: 'one', source: 'generated' }))), 1);
    const id = grid.sim.crossings[0].id;
    // the four phases serve E+W, E+W, N+S, N+S: a two-phase plan's phase matches two of them
    expect(grid.sim.crossings[0].phases.map((p) => p.approaches.sort().join('+'))).toEqual([`${id}:E+${id}:W`, `${id}:E+${id}:W`, `${id}:N+${id}:S`, `${id}:N+${id}:S`]);
    const four = new SimulatedStreet(grid.sim, { seed: 1, originMs: 0, intervalMinutes: 15, dailyDemand: grid.dailyDemand, runId: 'test' });
    const refused = four.applyPlan(plan(id, [{ name: 'NS', approaches: [`${id}:N`, `${id}:S`], greenSeconds: 25 }, { name: 'EW', approaches: [`${id}:E`, `${id}:W`], greenSeconds: 25 }]) as never);
    expect(refused).toEqual({ ok: false, reason: expect.stringContaining('plan has 2 phases') });
  });

  it('says what is missing when the folder was not written by sim:import', () => {
    expect(() => loadSimCity('imported', 'seed-data/boroondara-2006', 1)).toThrow(/sim-network.json is missing: an imported city folder is written by `npm run sim:import`/);
  });
});
