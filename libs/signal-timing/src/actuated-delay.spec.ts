import { ActuatedPhaseDemand, coordinatedActuatedPlan } from './actuated-plan';
import { actuatedIncrementalDelayK, coordinatedActuatedEstimate, extensionSeconds, freeActuatedEstimate } from './actuated-delay';

/** Two phases, two approaches each (two lanes, 3,800 veh/h), equal flows per approach. */
const crossing = (main: number, side: number): ActuatedPhaseDemand[] => [
  { name: 'main', laneGroups: [{ id: 'N', meanVehPerHour: main, upperVehPerHour: main * 1.2, saturationFlowVehPerHour: 3800 }, { id: 'S', meanVehPerHour: main, upperVehPerHour: main * 1.2, saturationFlowVehPerHour: 3800 }] },
  { name: 'side', laneGroups: [{ id: 'E', meanVehPerHour: side, upperVehPerHour: side * 1.2, saturationFlowVehPerHour: 3800 }, { id: 'W', meanVehPerHour: side, upperVehPerHour: side * 1.2, saturationFlowVehPerHour: 3800 }] },
];

describe('expected delay under actuated control', () => {
  it('extends a green until a gap of the passage time: (e^{QΔ} − 1) / Q for Poisson arrivals', () => {
    expect(extensionSeconds(0, 2.5)).toBe(2.5);
    // 1,800 veh/h = 0.5 veh/s: (e^1.25 − 1) / 0.5
    expect(extensionSeconds(1800, 2.5)).toBeCloseTo((Math.exp(1.25) - 1) / 0.5, 9);
    expect(extensionSeconds(3600, 2.5)).toBeGreaterThan(extensionSeconds(1800, 2.5));
    expect(extensionSeconds(1800, 2)).toBeLessThan(extensionSeconds(1800, 3));
  });

  it('uses the HCM incremental-delay factor of an actuated phase: k_min by passage time, up to 0.5 at saturation', () => {
    expect(actuatedIncrementalDelayK(2.5, 0.3)).toBe(0.08);
    expect(actuatedIncrementalDelayK(2, 0.5)).toBe(0.04);
    expect(actuatedIncrementalDelayK(2.5, 1)).toBeCloseTo(0.5, 9);
    expect(actuatedIncrementalDelayK(2.75, 0.4)).toBeCloseTo(0.095, 9);
    expect(actuatedIncrementalDelayK(3, 0.75)).toBeGreaterThan(actuatedIncrementalDelayK(3, 0.6));
  });

  it('free operation: the cycle and the delay grow with the flows, greens stop at the maximum green', () => {
    const night = freeActuatedEstimate(crossing(100, 40));
    const day = freeActuatedEstimate(crossing(900, 400));
    const peak = freeActuatedEstimate(crossing(1500, 900));
    expect(night.cycleSeconds).toBeLessThan(day.cycleSeconds);
    expect(day.cycleSeconds).toBeLessThan(peak.cycleSeconds);
    expect(night.delaySeconds).toBeLessThan(day.delaySeconds);
    expect(day.delaySeconds).toBeLessThan(peak.delaySeconds);
    expect(peak.maxDegreeOfSaturation).toBeGreaterThan(day.maxDegreeOfSaturation);
    // At night the side street is skipped in most cycles.
    expect(night.skipProbability[1]).toBeGreaterThan(0.5);
    const saturated = freeActuatedEstimate(crossing(1800, 1500), { maxGreenSeconds: 30 });
    expect(Math.max(...saturated.greenSeconds)).toBe(30);
  });

  it('free operation at low flows: a vehicle whose phase is not green waits at least for the change', () => {
    // Side street 40 of 140 veh/h: its phase is green about 29 % of the time; the change is 3 + 1 + 2 s.
    const night = freeActuatedEstimate(crossing(100, 40));
    const sideShare = 80 / 280;
    const floor = ((1 - sideShare) * 6 * 80 + (1 - (1 - sideShare)) * 6 * 200) / 280;
    expect(night.delaySeconds).toBeGreaterThanOrEqual(floor - 1e-9);
  });

  it('coordinated operation: the coordinated phase takes back what the side street leaves, and platoons on green cut its delay', () => {
    const demand = crossing(900, 300);
    const plan = coordinatedActuatedPlan(demand, 'main', { cycleSeconds: 60 });
    const random = coordinatedActuatedEstimate(demand, plan);
    expect(random.cycleSeconds).toBe(60);
    const clearance = plan.amberSeconds + plan.allRedSeconds;
    expect(random.greenSeconds[0]).toBeGreaterThanOrEqual(plan.phases[0].splitSeconds - clearance);
    expect(random.greenSeconds[1]).toBeLessThanOrEqual(plan.phases[1].maxGreenSeconds);
    // The cycle holds the coordinated green and the side street's expected time (green and clearance when it is not skipped).
    expect(random.greenSeconds[0] + clearance + (1 - random.skipProbability[1]) * (random.greenSeconds[1] + clearance)).toBeCloseTo(60, 9);
    const good = coordinatedActuatedEstimate(demand, plan, { main: { directions: 2, onGreen: [1, 1] } });
    const bad = coordinatedActuatedEstimate(demand, plan, { main: { directions: 2, onGreen: [0, 0] } });
    const half = coordinatedActuatedEstimate(demand, plan, { main: { directions: 2, onGreen: [1] } });
    expect(good.delaySeconds).toBeLessThan(half.delaySeconds);
    expect(half.delaySeconds).toBeLessThan(random.delaySeconds);
    expect(bad.delaySeconds).toBeGreaterThan(random.delaySeconds);
  });

  it('at night a common cycle costs more than free operation; at a busy crossing with good progression coordination pays', () => {
    const night = crossing(100, 40);
    const nightPlan = coordinatedActuatedPlan(night, 'main', { cycleSeconds: 30 });
    expect(coordinatedActuatedEstimate(night, nightPlan, { main: { directions: 2, onGreen: [0.9, 0.9] } }).delaySeconds).toBeGreaterThan(freeActuatedEstimate(night).delaySeconds);
    const busy = crossing(1500, 900);
    const busyPlan = coordinatedActuatedPlan(busy, 'main', { cycleSeconds: 46 });
    expect(coordinatedActuatedEstimate(busy, busyPlan, { main: { directions: 2, onGreen: [0.9, 0.9] } }).delaySeconds).toBeLessThan(freeActuatedEstimate(busy).delaySeconds);
  });

  it('refuses a plan for other phases', () => {
    const plan = coordinatedActuatedPlan(crossing(900, 300), 'main', { cycleSeconds: 60 });
    expect(() => coordinatedActuatedEstimate(crossing(900, 300).slice(0, 1), plan)).toThrow(/2 phases/);
  });
});
