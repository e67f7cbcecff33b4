import fc from 'fast-check';
import { TimingPlan, planForCycle } from '@crosscast/signal-timing';
import { AutomaticGateInput, CorridorAutomaticMember, GuardRails, automaticHoldReason, automaticOutcome, clipToGuardRails, corridorAutomaticOutcome } from './automatic-guard';

const RAILS: GuardRails = { minCycleSeconds: 30, maxCycleSeconds: 120, maxCycleChangeShare: 0.2, maxGreenChangeShare: 0.25, minMinutesBetweenChanges: 30 };
const FRESH: AutomaticGateInput = { freshness: 'fresh', workerStatus: 'ok', qualityFlags: [], hasRunningPlan: true, plansEnabled: true, periodStartMs: 10 * 3600_000, lastAppliedPeriodStartMs: null };

/** A two-phase Webster plan for a fixed cycle, split by these north-south / east-west flows (veh/h). */
function recommended(cycleSeconds: number, northSouth: number, eastWest: number): TimingPlan {
  const approach = (id: string, flow: number) => ({ id, flowVehPerHour: flow, saturationFlowVehPerHour: 3600 });
  return planForCycle(
    [
      { name: 'north-south', approaches: [approach('N', northSouth)] },
      { name: 'east-west', approaches: [approach('E', eastWest)] },
    ],
    cycleSeconds,
  );
}
const running = (cycleSeconds: number, ns: number, ew: number) => ({ cycleSeconds, phases: [{ name: 'north-south', greenSeconds: ns }, { name: 'east-west', greenSeconds: ew }] });

describe('automatic mode: when it may act', () => {
  it('acts only on a fresh crossing with a healthy worker, a clean forecast, a plan on record, and not too soon after its last change', () => {
    expect(automaticHoldReason(FRESH, RAILS)).toBeNull();
    expect(automaticHoldReason({ ...FRESH, freshness: 'stale' }, RAILS)).toMatch(/crossing is stale/);
    expect(automaticHoldReason({ ...FRESH, freshness: 'offline' }, RAILS)).toMatch(/crossing is offline/);
    expect(automaticHoldReason({ ...FRESH, freshness: 'unknown' }, RAILS)).toMatch(/crossing is unknown/);
    expect(automaticHoldReason({ ...FRESH, workerStatus: 'degraded' }, RAILS)).toMatch(/worker reports degraded/);
    expect(automaticHoldReason({ ...FRESH, qualityFlags: ['inputs-mostly-filled'] }, RAILS)).toMatch(/forecast is degraded \(inputs-mostly-filled\)/);
    expect(automaticHoldReason({ ...FRESH, qualityFlags: ['model-failed', 'baseline-until-trained'] }, RAILS)).toMatch(/model-failed/);
    expect(automaticHoldReason({ ...FRESH, qualityFlags: ['baseline-until-trained'] }, RAILS)).toBeNull();
    expect(automaticHoldReason({ ...FRESH, plansEnabled: false }, RAILS)).toMatch(/admin disabled plans/);
    expect(automaticHoldReason({ ...FRESH, hasRunningPlan: false }, RAILS)).toMatch(/first plan must be accepted by an operator/);
    expect(automaticHoldReason({ ...FRESH, lastAppliedPeriodStartMs: FRESH.periodStartMs - 15 * 60_000 }, RAILS)).toMatch(/15 min ago .* at least 30 min/);
    expect(automaticHoldReason({ ...FRESH, lastAppliedPeriodStartMs: FRESH.periodStartMs - 30 * 60_000 }, RAILS)).toBeNull();
  });
});

describe('automatic mode: guard rails', () => {
  it('applies a recommendation inside the rails unchanged', () => {
    const plan = recommended(66, 900, 500); // greens 36 / 22
    const result = clipToGuardRails(running(60, 30, 22), plan, RAILS);
    expect(result).toEqual({ ok: true, cycleSeconds: 66, greens: [{ name: 'north-south', greenSeconds: plan.phases[0].greenSeconds }, { name: 'east-west', greenSeconds: plan.phases[1].greenSeconds }], clipped: false, notes: [] });
  });

  it('clips a big jump of the cycle to the allowed step and keeps the split within each green limit', () => {
    const plan = recommended(110, 1500, 600);
    const result = clipToGuardRails(running(60, 28, 24), plan, RAILS);
    if (!result.ok) throw new Error(result.reason);
    expect(result.cycleSeconds).toBe(72); // 60 s + 20 %
    expect(result.clipped).toBe(true);
    expect(result.notes[0]).toMatch(/cycle clipped from 110 s to 72 s/);
    const [ns, ew] = result.greens.map((g) => g.greenSeconds);
    expect(ns + ew + plan.lostTimeSeconds).toBe(72);
    expect(ns).toBeLessThanOrEqual(Math.floor(28 * 1.25));
    expect(ew).toBeLessThanOrEqual(Math.floor(24 * 1.25));
    expect(ew).toBeGreaterThanOrEqual(Math.ceil(24 * 0.75));
  });

  it('keeps the cycle inside the configured bounds', () => {
    const result = clipToGuardRails(running(115, 60, 47), recommended(120, 1800, 900), { ...RAILS, maxCycleSeconds: 100 });
    expect(result).toMatchObject({ ok: true, cycleSeconds: 100 });
  });

  it('refuses when the rails leave no change, or no plan at all', () => {
    const plan = recommended(60, 700, 700);
    expect(clipToGuardRails(running(60, plan.phases[0].greenSeconds, plan.phases[1].greenSeconds), plan, RAILS)).toEqual({ ok: false, reason: 'within the guard rails the plan would not change' });
    // A running plan far above the maximum cycle cannot come down to it in one step.
    expect(clipToGuardRails(running(200, 96, 96), recommended(60, 700, 700), RAILS)).toMatchObject({ ok: false, reason: expect.stringMatching(/no cycle satisfies the guard rails/) });
    expect(clipToGuardRails({ cycleSeconds: 60, phases: [{ name: 'all', greenSeconds: 56 }] }, plan, RAILS)).toMatchObject({ ok: false, reason: 'the running plan has no phase north-south' });
  });

  it('whatever it applies respects every rail (property)', () => {
    let applied = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 30, max: 120 }),
        fc.double({ min: 0.2, max: 0.8, noNaN: true }),
        fc.integer({ min: 30, max: 120 }),
        fc.integer({ min: 50, max: 1600 }),
        fc.integer({ min: 50, max: 1600 }),
        fc.double({ min: 0.05, max: 0.5, noNaN: true }),
        fc.double({ min: 0.05, max: 0.5, noNaN: true }),
        (runningCycle, nsShare, recommendedCycle, nsFlow, ewFlow, cycleShare, greenShare) => {
          const available = runningCycle - 8;
          const ns = Math.max(7, Math.round(available * nsShare));
          const run = running(runningCycle, ns, available - ns);
          if (run.phases[1].greenSeconds < 7) return;
          const rails = { ...RAILS, maxCycleChangeShare: cycleShare, maxGreenChangeShare: greenShare };
          const plan = recommended(recommendedCycle, nsFlow, ewFlow);
          const result = clipToGuardRails(run, plan, rails);
          if (!result.ok) return;
          applied++;
          expect(result.cycleSeconds).toBeGreaterThanOrEqual(Math.max(rails.minCycleSeconds, runningCycle * (1 - cycleShare) - 1e-9));
          expect(result.cycleSeconds).toBeLessThanOrEqual(Math.min(rails.maxCycleSeconds, runningCycle * (1 + cycleShare) + 1e-9));
          expect(result.greens.reduce((s, g) => s + g.greenSeconds, 0) + plan.lostTimeSeconds).toBe(result.cycleSeconds);
          result.greens.forEach((g, i) => {
            expect(Number.isInteger(g.greenSeconds)).toBe(true);
            expect(g.greenSeconds).toBeGreaterThanOrEqual(7);
            expect(Math.abs(g.greenSeconds - run.phases[i].greenSeconds)).toBeLessThanOrEqual(run.phases[i].greenSeconds * greenShare + 1e-9);
          });
        },
      ),
      { numRuns: 200, seed: 20061010 },
    );
    // Most draws must reach the checks, or the property says nothing.
    expect(applied).toBeGreaterThan(100);
  });

  it('marks a held recommendation with the reason and carries the (clipped) plan of an applied one', () => {
    const plan = recommended(110, 1500, 600);
    const phases = plan.phases.map((p) => ({ name: p.name, approaches: p.approaches, greenSeconds: p.greenSeconds }));
    const held = automaticOutcome({ ...FRESH, freshness: 'stale' }, running(60, 28, 24), plan, { cycleSeconds: 110, phases }, RAILS);
    expect(held).toEqual({ action: 'hold', note: expect.stringMatching(/^not applied automatically: crossing is stale/), plan: null, clipped: false });
    const applied = automaticOutcome(FRESH, running(60, 28, 24), plan, { cycleSeconds: 110, phases }, RAILS);
    expect(applied).toMatchObject({ action: 'apply', clipped: true, plan: { cycleSeconds: 72 } });
    expect(applied.note).toMatch(/^applied automatically within the guard rails: cycle clipped/);
    expect(applied.plan!.phases.map((p) => p.approaches)).toEqual([['N'], ['E']]);
  });
});

describe('automatic mode: corridor (group) plans', () => {
  const member = (crossingId: string, over: Partial<CorridorAutomaticMember> = {}): CorridorAutomaticMember => ({
    crossingId, automaticEnabled: true, gate: FRESH, kind: 're-timed', advisedCycleSeconds: 80, runningCycleSeconds: 72, ...over,
  });

  it('has nothing to say where automatic mode is off at every crossing, and holds where it is off at one', () => {
    expect(corridorAutomaticOutcome([member('a', { automaticEnabled: false }), member('b', { automaticEnabled: false })], RAILS)).toBeNull();
    expect(corridorAutomaticOutcome([member('a'), member('b', { automaticEnabled: false })], RAILS)).toEqual({ action: 'hold', note: 'not applied automatically: automatic mode is off at b (a corridor plan is applied to all its crossings or none)' });
  });

  it('applies a corridor plan whole when every crossing passes its gates and the common cycle the rails', () => {
    expect(corridorAutomaticOutcome([member('a'), member('b'), member('c', { kind: 'to-free', advisedCycleSeconds: null, runningCycleSeconds: 72 })], RAILS)).toEqual({ action: 'apply', note: 'applied automatically: 3 crossings within the guard rails' });
    // A crossing joining from free operation has no running cycle to step from.
    expect(corridorAutomaticOutcome([member('a', { kind: 'to-coordinated', advisedCycleSeconds: 110, runningCycleSeconds: null })], RAILS)?.action).toBe('apply');
  });

  it('leaves the first actuated plan, a crossing failing a gate, and a cycle step beyond the rails to the operators (never clipped)', () => {
    expect(corridorAutomaticOutcome([member('a'), member('b', { kind: 'adopted', runningCycleSeconds: null })], RAILS)?.note).toMatch(/b runs a fixed-time plan: the first actuated plan must be accepted by an operator/);
    expect(corridorAutomaticOutcome([member('a'), member('b', { gate: { ...FRESH, freshness: 'stale' } })], RAILS)?.note).toMatch(/crossing b: crossing is stale/);
    expect(corridorAutomaticOutcome([member('a', { gate: { ...FRESH, lastAppliedPeriodStartMs: FRESH.periodStartMs - 15 * 60_000 } })], RAILS)?.note).toMatch(/crossing a: last automatic change 15 min ago/);
    // 72 → 90 s is +25 %, beyond ±20 %: held, not clipped.
    expect(corridorAutomaticOutcome([member('a', { advisedCycleSeconds: 90 }), member('b', { advisedCycleSeconds: 90 })], RAILS)).toEqual({
      action: 'hold',
      note: 'not applied automatically: the common cycle 90 s is more than ±20% from the running 72 s at a (a corridor plan is not clipped: its offsets hold only on the common cycle)',
    });
    expect(corridorAutomaticOutcome([member('a', { advisedCycleSeconds: 130, runningCycleSeconds: 120 })], RAILS)?.note).toMatch(/common cycle 130 s is outside 30-120 s/);
  });
});
