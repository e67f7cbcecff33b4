import { loadCityDefinition } from '@crosscast/seed';
import { mulberry32 } from '../../../test/support/prng';
import { CityFusion, CityFusionConfig, CrossingState, FusionResult } from './city-fusion';
import { QuadraticCityFusion } from './reference/quadratic-city-fusion';
import { gridCity } from './testing/synthetic-cities';

/**
 * The linear city fusion (issue 16) against the implementation it replaced, kept verbatim
 * in reference/: on the Boroondara crossings with seeded counts and forecasts, with workers
 * going stale, offline and degraded, every step's fused picture must be the same (up to
 * floating-point summation order). And the split between learning (`advanceTo`) and reading
 * (`fuse`), and the per-crossing records, must not change what it learns.
 */
const STEP = 15 * 60_000;
const T0 = Date.parse('2006-10-02T00:00:00+10:00');

interface Scenario {
  config: CityFusionConfig;
  /** Feeds interval t into a fusion (observations, forecasts) and returns the crossing states for it. */
  feed(fusion: Pick<CityFusion, 'observe' | 'addForecast'>, t: number): Record<string, CrossingState>;
}

function scenario(crossings: CityFusionConfig['crossings'], seed: number): Scenario {
  const random = mulberry32(seed);
  const truth = new Map<string, number>();
  const noise = new Map<string, number>();
  const ids = crossings.map((c) => c.id);
  const observed = (i: number, t: number) => {
    const key = `${i}:${t}`;
    if (!truth.has(key)) truth.set(key, Math.round(Math.max(0, (1 + (i % 5) * 0.3) * (250 + 180 * Math.sin((2 * Math.PI * ((t % 96) - 30)) / 96)) + 50 * (random() - 0.5))));
    return truth.get(key)!;
  };
  const jitter = (key: string) => {
    if (!noise.has(key)) noise.set(key, random() - 0.5);
    return noise.get(key)!;
  };
  return {
    config: { intervalMinutes: 15, timeZone: 'Australia/Melbourne', crossings, groups: { firstFive: ids.slice(0, 5) } },
    feed(fusion, t) {
      const states: Record<string, CrossingState> = {};
      ids.forEach((id, i) => {
        // Crossing 1 goes silent for a day, crossing 2 is offline on day 3, crossing 3 reports degraded every 10th interval.
        const silent = (i === 1 && t >= 400 && t < 496) || (i === 2 && t >= 192 && t < 288);
        states[id] = silent ? (i === 1 ? 'stale' : 'offline') : i === 3 && t % 10 === 0 ? 'degraded' : 'fresh';
        if (silent) return;
        // A few intervals come mostly filled (teach nothing), and some arrive twice.
        fusion.observe(id, T0 + t * STEP, observed(i, t), undefined, { filledShare: jitter(`f:${id}:${t}`) > 0.45 ? 0.5 : 0 });
        if (jitter(`r:${id}:${t}`) > 0.4) fusion.observe(id, T0 + t * STEP, observed(i, t) + 7);
        fusion.addForecast(id, T0 + t * STEP, [1, 2, 3, 4].map((k) => {
          const mean = Math.max(0, observed(i, t + k) + 40 * jitter(`m:${id}:${t}:${k}`));
          return { horizonMin: 15 * k, mean, lo80: Math.max(0, mean - 30), hi80: mean + 30, lo95: Math.max(0, mean - 45), hi95: mean + 45 };
        }), { degraded: i === 4 && t % 17 === 0 });
      });
      return states;
    },
  };
}

/** Every number within a relative 1e-9 (summation order differs), every string and source the same. */
function expectSameResult(actual: FusionResult, expected: FusionResult): void {
  // Plain comparisons, not one expect() per number: thousands of numbers per step.
  const walk = (a: unknown, e: unknown, path: string): void => {
    if (typeof e === 'number') {
      if (typeof a !== 'number' || Math.abs(a - e) > 1e-9 * Math.max(1, Math.abs(e))) throw new Error(`${path}: ${String(a)} != ${e}`);
    } else if (e && typeof e === 'object') {
      if (!a || typeof a !== 'object') throw new Error(`${path}: ${String(a)} is not an object`);
      const keys = Object.keys(e);
      if (Object.keys(a).length !== keys.length) throw new Error(`${path}: keys ${Object.keys(a).join(',')} != ${keys.join(',')}`);
      for (const k of keys) walk((a as Record<string, unknown>)[k], (e as Record<string, unknown>)[k], `${path}.${k}`);
    } else if (a !== e) {
      throw new Error(`${path}: ${String(a)} != ${String(e)}`);
    }
  };
  walk(actual, expected, 'result');
}

describe('CityFusion at scale, against the implementation it replaced', () => {
  const boroondara = loadCityDefinition('seed-data/boroondara-2006').crossings;

  it('fuses the Boroondara crossings exactly as before, step by step for five days', () => {
    const { config, feed } = scenario(boroondara, 16);
    const linear = new CityFusion(config);
    const reference = new QuadraticCityFusion(config);
    let compared = 0;
    for (let t = 0; t < 5 * 96; t++) {
      const states = feed(linear, t);
      feed(reference, t);
      const now = T0 + t * STEP;
      expectSameResult(linear.advanceTo(now, states), reference.fuse(now, states));
      compared++;
    }
    expect(compared).toBe(480);
    // Same learned state too (the numbers, through JSON, within summation-order noise).
    expect(JSON.parse(JSON.stringify(linear.toJSON()), (_, v) => (typeof v === 'number' ? Number(v.toPrecision(9)) : v)))
      .toEqual(JSON.parse(JSON.stringify(reference.toJSON()), (_, v) => (typeof v === 'number' ? Number(v.toPrecision(9)) : v)));
  });

  it('fuses a street grid as before, with most workers stale half the time', () => {
    const { config, feed } = scenario(gridCity(6, 7), 7);
    const linear = new CityFusion(config);
    const reference = new QuadraticCityFusion(config);
    for (let t = 0; t < 2 * 96; t++) {
      const states = feed(linear, t);
      feed(reference, t);
      for (const id of Object.keys(states)) if (id.endsWith('c2') && t % 96 > 48) states[id] = 'stale';
      expectSameResult(linear.advanceTo(T0 + t * STEP, states), reference.fuse(T0 + t * STEP, states));
    }
  });

  it('reads without learning: fuse() changes nothing, and the steps after it are the reference steps', () => {
    const { config, feed } = scenario(boroondara, 3);
    const linear = new CityFusion(config);
    const reference = new QuadraticCityFusion(config);
    for (let t = 0; t < 2 * 96; t++) {
      const states = feed(linear, t);
      feed(reference, t);
      const now = T0 + t * STEP;
      if (t % 7 === 0) {
        // Reads before and after the step, some with other crossing states (a preview).
        const before = JSON.stringify(linear.toJSON());
        linear.fuse(now, states);
        linear.fuse(now, { ...states, [boroondara[0].id]: 'offline' });
        expect(JSON.stringify(linear.toJSON())).toBe(before);
      }
      const stepped = linear.advanceTo(now, states);
      expectSameResult(stepped, reference.fuse(now, states));
      if (t % 7 === 0) {
        // Reading the same time again answers the same, and advancing to it again learns nothing.
        const state = JSON.stringify(linear.toJSON());
        expect(linear.fuse(now, states)).toEqual(stepped);
        expect(linear.advanceTo(now, states)).toEqual(stepped);
        expect(JSON.stringify(linear.toJSON())).toBe(state);
      }
    }
    expect(linear.advancedToMs).toBe(T0 + (2 * 96 - 1) * STEP);
  });

  it('round-trips through per-crossing records exactly, each record small', () => {
    const { config, feed } = scenario(boroondara, 11);
    const original = new CityFusion(config);
    for (let t = 0; t < 2 * 96; t++) original.advanceTo(T0 + t * STEP, feed(original, t));
    const texts = original.toRecords().map((r) => ({ key: r.key, text: JSON.stringify(r.value) }));
    expect(texts.filter((r) => r.key.startsWith('crossing:'))).toHaveLength(boroondara.length);
    const whole = JSON.stringify(original.toJSON()).length;
    // A crossing's record is its own share; the city record is the city-wide fits and residuals (fixed size).
    for (const r of texts.filter((x) => x.key.startsWith('crossing:'))) expect(r.text.length).toBeLessThan(whole / 10);
    const restored = CityFusion.fromRecords(config, texts.map((r) => ({ key: r.key, value: JSON.parse(r.text) })));
    expect(JSON.stringify(restored.toJSON())).toBe(JSON.stringify(original.toJSON()));
    for (let t = 2 * 96; t < 2 * 96 + 48; t++) {
      const states = feed(original, t);
      // The scenario's draws are cached, so feeding the same interval twice gives the same inputs.
      feed(restored, t);
      expect(restored.advanceTo(T0 + t * STEP, states)).toEqual(original.advanceTo(T0 + t * STEP, states));
    }
  });

  it('hands out only the records changed since the last take, and they keep a store complete', () => {
    const { config, feed } = scenario(boroondara, 21);
    const fusion = new CityFusion(config);
    const store = new Map<string, string>();
    const take = () => {
      const { records, complete } = fusion.takeChangedRecords();
      if (complete) store.clear();
      for (const r of records) store.set(r.key, JSON.stringify(r.value));
      return { keys: records.map((r) => r.key), complete };
    };
    expect(take().complete).toBe(true);
    for (let t = 0; t < 96; t++) fusion.advanceTo(T0 + t * STEP, feed(fusion, t));
    expect(take()).toMatchObject({ complete: true });
    expect(take()).toEqual({ keys: [], complete: false });
    // Two crossings send: their records and the city's (its residuals) change, nothing else.
    const [a, b] = [boroondara[0].id, boroondara[5].id];
    fusion.observe(a, T0 + 96 * STEP, 321);
    fusion.addForecast(b, T0 + 96 * STEP, [{ horizonMin: 15, mean: 100, lo80: 90, hi80: 110, lo95: 85, hi95: 115 }]);
    const partial = take();
    expect(partial.complete).toBe(false);
    expect(partial.keys.sort()).toEqual(['city', `crossing:${a}`, `crossing:${b}`].sort());
    const fromStore = () => CityFusion.fromRecords(config, [...store].map(([key, text]) => ({ key, value: JSON.parse(text) })));
    expect(JSON.stringify(fromStore().toJSON())).toBe(JSON.stringify(fusion.toJSON()));
    // A step changes everything; a failed save asks for everything again.
    fusion.advanceTo(T0 + 96 * STEP, feed(fusion, 96));
    expect(take().complete).toBe(true);
    fusion.markAllChanged();
    expect(take().complete).toBe(true);
    expect(JSON.stringify(fromStore().toJSON())).toBe(JSON.stringify(fusion.toJSON()));
  });

  it('reads the changed records a chunk at a time, the city and aggregate records once, equal to the whole copy', () => {
    const { config, feed } = scenario(boroondara, 33);
    const fusion = new CityFusion(config);
    for (let t = 0; t < 96; t++) fusion.advanceTo(T0 + t * STEP, feed(fusion, t));
    const whole = new Map(fusion.toRecords().map((r) => [r.key, JSON.stringify(r.value)]));
    const { crossings, complete } = fusion.takeChanges();
    expect(complete).toBe(true);
    expect(crossings).toHaveLength(boroondara.length);
    const chunked: Array<[string, string]> = [];
    for (let from = 0; from < crossings.length; from += 7) {
      const first = from === 0;
      const records = fusion.recordsOf(crossings.slice(from, from + 7), { city: first, aggregates: first });
      if (!first) expect(records.every((r) => r.key.startsWith('crossing:'))).toBe(true);
      for (const r of records) chunked.push([r.key, JSON.stringify(r.value)]);
    }
    // Every record exactly once, each as the whole copy has it (its own aggregate shares included).
    expect(chunked.map(([key]) => key).sort()).toEqual([...whole.keys()].sort());
    for (const [key, text] of chunked) expect(text).toBe(whole.get(key));
    expect(fusion.takeChanges()).toEqual({ crossings: [], complete: false });
  });

  it('refuses records without their city record', () => {
    const { config } = scenario(boroondara, 1);
    const records = new CityFusion(config).toRecords().filter((r) => r.key !== 'city');
    expect(() => CityFusion.fromRecords(config, records)).toThrow(/no city record/);
  });
});
