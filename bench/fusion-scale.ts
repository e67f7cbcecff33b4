/**
 * What the city fusion costs as the city grows (issue 16): synthetic street grids of 256,
 * 1,024 and 4,096 crossings (libs/fusion testing/synthetic-cities), every worker sending
 * an observed total and a 4-step forecast each 15-minute interval.
 *
 * Per size: the fusion step per interval (feeding the interval's observations and
 * forecasts, then `advanceTo`, which learns and predicts), a read-only `fuse` (a preview),
 * `inferNeighbourGraph`, and the saved state (per-crossing records: bytes, largest record,
 * time to cut and stringify). The implementation before issue 16 (kept in
 * libs/fusion/src/reference) is timed the same way for comparison, over fewer intervals
 * at 4,096 because each of its steps takes seconds.
 *
 *   npm run bench:fusion-scale
 *
 * Writes bench/results/fusion-scale.json. Goal from the issue: step <= 1 s at 4,096.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { constants as bufferConstants } from 'node:buffer';
import { CityFusion, CityFusionConfig, CrossingState, HorizonPoint } from '@crosscast/fusion';
import { inferNeighbourGraph } from '@crosscast/network';
import { QuadraticCityFusion } from '../libs/fusion/src/reference/quadratic-city-fusion';
import { inferNeighbourGraphQuadratic } from '../libs/fusion/src/reference/quadratic-neighbours';
import { gridCity } from '../libs/fusion/src/testing/synthetic-cities';
import { mulberry32 } from '../test/support/prng';

const OUT = 'bench/results/fusion-scale.json';
const STEP = 15 * 60_000;
const T0 = Date.parse('2026-11-02T00:00:00+11:00');
/** Grid sides (BENCH_SIDES=16,32,64 by default). */
const SIZES = (process.env.BENCH_SIDES ?? '16,32,64').split(',').map(Number).map((side) => ({ rows: side, cols: side }));
/** BENCH_SKIP_OLD=1 leaves out the old implementation (its 4,096 row takes minutes). */
const SKIP_OLD = process.env.BENCH_SKIP_OLD === '1';
/** Intervals fed before measuring (residual buffers and profiles need history to take their steady path). */
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 96);
const MEASURED = Number(process.env.BENCH_MEASURED ?? 8);
/** The old implementation at each size: warm-up and measured intervals (it is quadratic). */
const OLD_PLAN: Record<number, { warmUp: number; measured: number }> = { 256: { warmUp: 24, measured: 8 }, 1024: { warmUp: 12, measured: 4 }, 4096: { warmUp: 4, measured: 2 } };

type Fusion = Pick<CityFusion, 'observe' | 'addForecast'> & { advanceTo?: CityFusion['advanceTo']; fuse: CityFusion['fuse'] };

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A street with a daily wave per crossing and seeded noise; forecasts are the truth plus noise. */
function street(ids: string[], seed: number) {
  const random = mulberry32(seed);
  const level = ids.map(() => 0.5 + random());
  const observed = (i: number, t: number) => Math.max(0, level[i] * (250 + 180 * Math.sin((2 * Math.PI * ((t % 96) - 30)) / 96)) + 40 * (random() - 0.5));
  return {
    feed(fusion: Fusion, t: number): Record<string, CrossingState> {
      const states: Record<string, CrossingState> = {};
      ids.forEach((id, i) => {
        // One crossing in 50 is silent (stale): it is estimated from its neighbours.
        if (i % 50 === 7) {
          states[id] = 'stale';
          return;
        }
        fusion.observe(id, T0 + t * STEP, Math.round(observed(i, t)), undefined, { filledShare: 0 });
        const points: HorizonPoint[] = [1, 2, 3, 4].map((k) => {
          const mean = Math.max(0, observed(i, t + k) + 30 * (random() - 0.5));
          return { horizonMin: 15 * k, mean, lo80: Math.max(0, mean - 30), hi80: mean + 30, lo95: Math.max(0, mean - 45), hi95: mean + 45 };
        });
        fusion.addForecast(id, T0 + t * STEP, points);
        states[id] = 'fresh';
      });
      return states;
    },
  };
}

/** Feeds `warmUp` intervals, then times `measured` ones: feeding, the learning step, and a read. */
function timeSteps(fusion: Fusion, step: (now: number, states: Record<string, CrossingState>) => unknown, ids: string[], warmUp: number, measured: number) {
  const { feed } = street(ids, ids.length);
  for (let t = 0; t < warmUp; t++) step(T0 + t * STEP, feed(fusion, t));
  const feedMs: number[] = [];
  const stepMs: number[] = [];
  let lastStates: Record<string, CrossingState> = {};
  for (let t = warmUp; t < warmUp + measured; t++) {
    const f0 = process.hrtime.bigint();
    lastStates = feed(fusion, t);
    feedMs.push(ms(f0));
    const s0 = process.hrtime.bigint();
    step(T0 + t * STEP, lastStates);
    stepMs.push(ms(s0));
  }
  const r0 = process.hrtime.bigint();
  fusion.fuse(T0 + (warmUp + measured - 1) * STEP, { ...lastStates, [ids[0]]: 'offline' });
  return { feedMs: median(feedMs), stepMs: median(stepMs), totalMs: median(feedMs) + median(stepMs), readMs: ms(r0) };
}

function main(): void {
  const rows: Array<Record<string, number | string | boolean | null>> = [];
  for (const size of SIZES) {
    const crossings = gridCity(size.rows, size.cols);
    const n = crossings.length;
    const ids = crossings.map((c) => c.id);
    const config: CityFusionConfig = { intervalMinutes: 15, timeZone: 'Australia/Melbourne', crossings };
    console.error(`${n} crossings: neighbour graph`);

    const g0 = process.hrtime.bigint();
    const graph = inferNeighbourGraph(crossings);
    const graphMs = ms(g0);
    const q0 = process.hrtime.bigint();
    const oldGraph = inferNeighbourGraphQuadratic(crossings);
    const oldGraphMs = ms(q0);
    const sameGraph = JSON.stringify(graph) === JSON.stringify(oldGraph);

    console.error(`${n} crossings: new fusion, ${WARM_UP} + ${MEASURED} intervals`);
    const fusion = new CityFusion(config);
    const linear = timeSteps(fusion, (now, states) => fusion.advanceTo(now, states), ids, WARM_UP, MEASURED);

    console.error(`${n} crossings: saving the state as records`);
    const s0 = process.hrtime.bigint();
    const records = fusion.toRecords();
    const texts = records.map((r) => JSON.stringify(r.value));
    const saveMs = ms(s0);
    const bytes = texts.reduce((sum, t) => sum + t.length, 0);
    const crossingTexts = texts.filter((_, i) => records[i].key.startsWith('crossing:'));
    const l0 = process.hrtime.bigint();
    CityFusion.fromRecords(config, records.map((r, i) => ({ key: r.key, value: JSON.parse(texts[i]) })));
    const loadMs = ms(l0);

    // Between steps a save writes only what was fed since the last one: about 1/15 of the
    // workers report in a minute of a 15-minute interval.
    fusion.takeChangedRecords();
    ids.filter((_, i) => i % 15 === 0).forEach((id) => fusion.observe(id, T0 + (WARM_UP + MEASURED) * STEP, 100));
    const c0 = process.hrtime.bigint();
    const changed = fusion.takeChangedRecords().records.map((r) => JSON.stringify(r.value));
    const changedSaveMs = ms(c0);
    const changedBytes = changed.reduce((sum, t) => sum + t.length, 0);

    const plan = OLD_PLAN[n] ?? { warmUp: 4, measured: 2 };
    console.error(`${n} crossings: old fusion, ${plan.warmUp} + ${plan.measured} intervals`);
    const old = new QuadraticCityFusion(config);
    const quadratic = SKIP_OLD ? { feedMs: NaN, stepMs: NaN, totalMs: NaN, readMs: NaN } : timeSteps(old, (now, states) => old.fuse(now, states), ids, plan.warmUp, plan.measured);

    rows.push({
      crossings: n,
      graphMs: round(graphMs),
      oldGraphMs: round(oldGraphMs),
      sameGraph,
      links: graph.links.length,
      feedMs: round(linear.feedMs),
      advanceMs: round(linear.stepMs),
      stepMs: round(linear.totalMs),
      readFuseMs: round(linear.readMs),
      oldFeedMs: round(quadratic.feedMs),
      oldFuseMs: round(quadratic.stepMs),
      oldStepMs: round(quadratic.totalMs),
      oldMeasuredIntervals: plan.measured,
      stateBytes: bytes,
      stateBytesPerCrossing: Math.round(bytes / n),
      largestCrossingRecordBytes: Math.max(...crossingTexts.map((t) => t.length)),
      largestRecordBytes: Math.max(...texts.map((t) => t.length)),
      records: records.length,
      stateToRecordsAndJsonMs: round(saveMs),
      stateFromRecordsMs: round(loadMs),
      changedRecordsBetweenSteps: changed.length,
      changedBytesBetweenSteps: changedBytes,
      changedRecordsSaveMs: round(changedSaveMs),
      wholeStateFitsOneString: bytes < bufferConstants.MAX_STRING_LENGTH,
    });
  }

  const table = [
    ['crossings', 'step ms (feed+advance)', 'old step ms', 'read fuse ms', 'graph ms', 'old graph ms', 'same graph', 'state MB', 'KB/crossing', 'largest record KB', 'save (records+JSON) ms', 'restore ms', 'save between steps MB / ms'],
    ...rows.map((r) => [r.crossings, `${r.stepMs} (${r.feedMs}+${r.advanceMs})`, `${r.oldStepMs} (${r.oldFeedMs}+${r.oldFuseMs})`, r.readFuseMs, r.graphMs, r.oldGraphMs, r.sameGraph, ((r.stateBytes as number) / 1e6).toFixed(1), ((r.stateBytesPerCrossing as number) / 1e3).toFixed(1), ((r.largestRecordBytes as number) / 1e3).toFixed(1), r.stateToRecordsAndJsonMs, r.stateFromRecordsMs, `${((r.changedBytesBetweenSteps as number) / 1e6).toFixed(1)} / ${r.changedRecordsSaveMs}`].map(String)),
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  for (const row of table) console.log(row.map((cell, c) => cell.padStart(widths[c])).join('  '));

  const result = {
    generatedBy: 'npm run bench:fusion-scale',
    goal: 'fusion step <= 1000 ms per interval at 4,096 crossings',
    warmUpIntervals: WARM_UP,
    measuredIntervals: MEASURED,
    rows,
    notes: [
      'step = feeding one interval (observe + addForecast for every crossing) + advanceTo (learn + predict), median over the measured intervals; old = the implementation before issue 16 (feeding + its fuse), over fewer intervals.',
      'read fuse = one read-only fuse() with a crossing state changed (a preview); the old service cloned the model through JSON for this.',
      'save = toRecords() and one JSON text per record (the save after a fusion step writes all records); save between steps = takeChangedRecords() after 1/15 of the crossings reported (the city record plus theirs).',
      `state after ${WARM_UP} intervals: residual buffers hold at most 672 values, so a state after a week or more is larger (about 130-150 KB per crossing).`,
      'Times on the shared development machine (2 cores, other jobs running): compare rows with each other, not with other machines.',
    ],
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
}

const round = (x: number) => Math.round(x * 10) / 10;

main();
