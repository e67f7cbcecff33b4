import { CrossingDefinition, RunningPlanView } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { planForForecast, shouldRecommend } from '@crosscast/signal-timing';
import { shapedForecast } from '../../../../test/support/planning-forecasts';
import type { FusedPoint } from '@crosscast/fusion';
import { DEFAULT_BASE_CYCLE_SECONDS, FusedStep, comparedPlan, laneGroupsFromForecast, localHour, planningChoice, planningInputFor, planningPeriodStartMs, planningWindowEndMs, withFusedValues } from './planning-inputs';

const city = loadCityDefinition('seed-data/boroondara-2006');
const crossing = city.crossings.find((c) => c.id === '0970')!; // approaches N, E, S, W
const settings = { periodMinutes: 15, horizonMinutes: 60 };
// Melbourne was on +10:00 until daylight saving began on 29 October 2006.
const EVENING = '2006-10-10T16:00:00+10:00';

describe('planning inputs (forecast and plans -> planner input)', () => {
  it('puts every forecast into one planning period per crossing, aligned to the period length', () => {
    expect(new Date(planningPeriodStartMs(Date.parse('2006-10-10T16:07:00Z'), 15)).toISOString()).toBe('2006-10-10T16:00:00.000Z');
    expect(new Date(planningPeriodStartMs(Date.parse('2006-10-10T16:45:00Z'), 60)).toISOString()).toBe('2006-10-10T16:00:00.000Z');
    expect(planningPeriodStartMs(Date.parse('2006-10-10T16:15:00Z'), 15)).toBe(Date.parse('2006-10-10T16:15:00Z'));
  });

  it('turns a forecast into one lane group per approach: veh/h, phase by axis, operator names, horizons within the planning horizon', () => {
    const forecast = shapedForecast(crossing, EVENING, { observed: { N: 200, E: 100 }, forecast: { N: [250, 300, 350, 400] }, otherCount: 50, band: 0.2 });
    const groups = laneGroupsFromForecast(crossing, forecast, 30);
    expect(groups.map((g) => [g.id, g.approach, g.phase])).toEqual([
      ['0970:1', 'north', 'north-south'],
      ['0970:3', 'east', 'east-west'],
      ['0970:5', 'south', 'north-south'],
      ['0970:7', 'west', 'east-west'],
    ]);
    const north = groups[0];
    // 15-minute counts x 4 = veh/h; only the 15 and 30 min horizons are inside a 30 min planning horizon.
    expect(north.forecast).toEqual([
      { minutesAhead: 15, meanVehPerHour: 1000, upper80VehPerHour: 1200 },
      { minutesAhead: 30, meanVehPerHour: 1200, upper80VehPerHour: 1440 },
    ]);
    expect(north.currentVehPerHour).toBe(800);
    expect(north.saturationFlowVehPerHour).toBe(3600);
    expect(groups[3].forecast[0].meanVehPerHour).toBe(200);
  });

  it('treats an approach the forecast leaves out as no flow, and an approach with no observation as no current flow', () => {
    const forecast = shapedForecast(crossing, EVENING, { observed: { N: 100, E: 100, S: 100, W: 100 }, forecast: {} });
    const west = '0970:7';
    const trimmed = {
      ...forecast,
      horizons: forecast.horizons.map((h) => ({ ...h, approaches: Object.fromEntries(Object.entries(h.approaches).filter(([id]) => id !== west)) })),
      observed: { ...forecast.observed, approaches: { ...forecast.observed.approaches, [west]: null } },
    };
    const group = laneGroupsFromForecast(crossing, trimmed, 60).find((g) => g.id === west)!;
    expect(group.forecast.every((p) => p.meanVehPerHour === 0 && p.upper80VehPerHour === 0)).toBe(true);
    expect(group.currentVehPerHour).toBeUndefined();
  });

  it('judges against the running plan when one was accepted, else Webster on what was observed, else the documented default', () => {
    const running: RunningPlanView = {
      crossingId: '0970',
      planId: 'rec-7',
      recommendationId: '7',
      cycleSeconds: 80,
      phases: [
        { name: 'north-south', approaches: ['0970:1', '0970:5'], greenSeconds: 44 },
        { name: 'east-west', approaches: ['0970:3', '0970:7'], greenSeconds: 28 },
      ],
      acceptedBy: 'operator',
      acceptedAt: '2006-10-10T05:00:00.000Z',
      decisionId: '3',
    };
    expect(comparedPlan(crossing, running, [], 15)).toEqual({
      source: 'running-plan',
      planId: 'rec-7',
      cycleSeconds: 80,
      phases: [
        { name: 'north-south', greenSeconds: 44 },
        { name: 'east-west', greenSeconds: 28 },
      ],
    });

    // North-south busy for the last hour: the base plan gives it the longer green.
    const observations = [0, 1, 2, 3].map((i) => ({ crossingId: '0970', intervalStart: `2006-10-10T0${i}:00:00.000Z`, total: null, approaches: { '0970:1': 300, '0970:5': 280 + i, '0970:3': 60, '0970:7': null }, filledShare: 0 }));
    const base = comparedPlan(crossing, null, observations, 15);
    expect(base.source).toBe('observed-webster');
    expect(base.phases[0].greenSeconds).toBeGreaterThan(base.phases[1].greenSeconds);

    expect(comparedPlan(crossing, null, [], 15)).toEqual({
      source: 'default',
      planId: null,
      cycleSeconds: DEFAULT_BASE_CYCLE_SECONDS,
      phases: [
        { name: 'north-south', greenSeconds: 26 },
        { name: 'east-west', greenSeconds: 26 },
      ],
    });
    // A running plan with other phase names (a future phasing) is not comparable: the base plan is used.
    expect(comparedPlan(crossing, { ...running, phases: [{ name: 'all', approaches: [], greenSeconds: 70 }] }, [], 15).source).toBe('default');

    // The controller's own program from the city folder (an imported network's) beats the assumed
    // base plans until a plan is accepted; the accepted plan beats it.
    const own = { planId: 'imported-fixed', cycleSeconds: 90, phases: [{ name: 'east-west', greenSeconds: 42 }, { name: 'north-south', greenSeconds: 42 }] };
    expect(comparedPlan(crossing, null, observations, 15, own)).toEqual({
      source: 'base-plan',
      planId: 'imported-fixed',
      cycleSeconds: 90,
      phases: [
        { name: 'east-west', greenSeconds: 42 },
        { name: 'north-south', greenSeconds: 42 },
      ],
    });
    expect(comparedPlan(crossing, running, observations, 15, own).source).toBe('running-plan');
    // one without the planner's phases is not comparable either
    expect(comparedPlan(crossing, null, observations, 15, { ...own, phases: [{ name: 'p0', greenSeconds: 42 }] }).source).toBe('observed-webster');
  });

  it('names local peaks and ends the window after the furthest horizon planned', () => {
    expect(localHour(Date.parse(EVENING), city.timeZone)).toBe(16);
    expect(localHour(Date.parse('2006-10-10T07:30:00+10:00'), city.timeZone)).toBe(7);
    const forecast = shapedForecast(crossing, EVENING, { observed: {}, forecast: {}, otherCount: 100 });
    expect(new Date(planningWindowEndMs(forecast, 60)).toISOString()).toBe('2006-10-10T07:15:00.000Z'); // 17:15 local
    expect(new Date(planningWindowEndMs(forecast, 30)).toISOString()).toBe('2006-10-10T06:45:00.000Z');
  });

  it('gives the planner what it needs to tell a flat evening from a rising peak on the north approach', () => {
    const observed = { N: 200, S: 200, E: 120, W: 120 };
    const plan = (forecast: Record<string, number[]>) => {
      const message = shapedForecast(crossing, EVENING, { observed, forecast });
      const base = comparedPlan(crossing, null, [{ crossingId: '0970', intervalStart: message.basedOnIntervalStart, total: null, approaches: message.observed.approaches, filledShare: 0 }], 15);
      return planForForecast(planningInputFor(crossing, message, base, settings, city.timeZone));
    };
    const flat = plan({});
    expect(shouldRecommend(flat)).toBe(false);
    expect(flat.reason).toMatch(/^evening peak steady/);

    const rising = plan({ N: [260, 330, 400, 450] });
    expect(shouldRecommend(rising)).toBe(true);
    expect(rising.reason).toMatch(/^evening peak rising on the north approach: \+125% in 60 min/);
    expect(rising.plan.phases.find((p) => p.name === 'north-south')!.greenSeconds).toBeGreaterThan(14);
  });

  it('plans a crossing whose detectors cover one road only (the side street gets its minimum green)', () => {
    const oneAxis: CrossingDefinition = { ...crossing, id: 'X1', approaches: crossing.approaches.filter((a) => a.direction === 'N' || a.direction === 'S') };
    const message = shapedForecast(oneAxis, EVENING, { observed: { N: 200, S: 200 }, forecast: { N: [260, 330, 400, 450] } });
    const result = planForForecast(planningInputFor(oneAxis, message, comparedPlan(oneAxis, null, [], 15), settings, city.timeZone));
    expect(result.plan.phases.map((p) => p.name)).toEqual(['north-south', 'east-west']);
    expect(result.plan.phases[1].greenSeconds).toBe(7);
  });
});

describe('planning from the city fusion (withFusedValues, planningChoice)', () => {
  const forecast = shapedForecast(crossing, EVENING, { observed: { N: 200 }, forecast: { N: [250, 300, 350, 400] }, otherCount: 50, band: 0.2 });
  const basedOnMs = Date.parse(forecast.basedOnIntervalStart);
  const stepMs = 15 * 60_000;
  /** Fused points for the forecast's horizons: the total times `factor`, with the given source. */
  const fusedPoints = (factor: number, source: FusedPoint['source']): FusedPoint[] =>
    forecast.horizons.map((h) => ({
      horizonMin: h.horizonMinutes,
      targetIntervalMs: Date.parse(h.intervalStart),
      mean: h.total.mean * factor,
      lo80: h.total.lower80 * factor,
      hi80: h.total.upper80 * factor,
      lo95: h.total.lower95 * factor,
      hi95: h.total.upper95 * factor,
      source,
    }));
  const step = (included: number | undefined, nowIntervalMs = basedOnMs, points = fusedPoints(1.2, 'fused')): FusedStep => ({
    nowIntervalMs,
    crossings: { [crossing.id]: points },
    included: new Map(included === undefined ? [] : [[crossing.id, included]]),
  });

  it('puts the fused totals in and scales every approach by the same ratio, keeping the worker split', () => {
    const { forecast: fused, source } = withFusedValues(forecast, fusedPoints(1.2, 'fused'));
    expect(source).toBe('fused');
    const h = forecast.horizons[0];
    const f = fused.horizons[0];
    expect(f.total.mean).toBeCloseTo(h.total.mean * 1.2, 9);
    const north = Object.keys(h.approaches)[0];
    expect(f.approaches[north].mean).toBeCloseTo(h.approaches[north].mean * 1.2, 9);
    expect(f.approaches[north].upper80).toBeCloseTo(h.approaches[north].upper80 * 1.2, 9);
    const sum = Object.values(f.approaches).reduce((acc, b) => acc + b.mean, 0);
    expect(sum).toBeCloseTo(f.total.mean, 9);
    // The worker's message itself is left as it was.
    expect(forecast.horizons[0].total.mean).toBe(h.total.mean);
  });

  it("says 'estimate' for the fusion's estimate and passes the worker's values through when fusion did", () => {
    expect(withFusedValues(forecast, fusedPoints(0.5, 'estimated')).source).toBe('estimate');
    const own = withFusedValues(forecast, fusedPoints(1, 'own'));
    expect(own).toEqual({ forecast, source: 'worker-forecast' });
    expect(withFusedValues(forecast, undefined).source).toBe('worker-forecast');
  });

  it('plans from the step that held the forecast, from the worker forecast when the step ran without it, and waits otherwise', () => {
    const held = planningChoice(forecast, step(basedOnMs), 0, 7000);
    expect(held).toMatchObject({ action: 'plan', source: 'fused' });
    // The step ran at this interval, but with the crossing's previous forecast: this one came late.
    expect(planningChoice(forecast, step(basedOnMs - stepMs), 0, 7000)).toEqual({ action: 'plan', forecast, source: 'worker-forecast' });
    // The city has not stepped to this interval yet: wait, but not for ever.
    expect(planningChoice(forecast, step(basedOnMs - stepMs, basedOnMs - stepMs), 1000, 7000)).toEqual({ action: 'wait' });
    expect(planningChoice(forecast, null, 1000, 7000)).toEqual({ action: 'wait' });
    expect(planningChoice(forecast, null, 7000, 7000)).toEqual({ action: 'plan', forecast, source: 'worker-forecast' });
  });
});
