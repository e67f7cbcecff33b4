/**
 * Forecast-driven planning for one crossing and one planning window (for example the next
 * hour of 15-minute horizons): two Webster candidates, one designed for the forecast's
 * centre and one for its upper 80 % bound, and the running plan, each judged by its
 * expected HCM control delay over a few equally likely demand levels per horizon. The
 * candidate with the lower expected delay is recommended; `shouldRecommend` applies the
 * hysteresis (no change unless the gain is worth it).
 */
import { DEFAULT_SCENARIO_QUANTILES, DemandDistribution, flowAtQuantile } from './demand-scenarios';
import { crossingDelay, DEFAULT_HCM, HcmDelayOptions } from './hcm-delay';
import { PhaseDemand, SignalPlan, TimingPlan, WebsterOptions, websterPlan } from './webster';

export interface ForecastPoint {
  minutesAhead: number;
  /** Centre of the forecast (the model's mean), veh/h. */
  meanVehPerHour: number;
  /** Upper bound of the 80 % prediction interval, veh/h. */
  upper80VehPerHour: number;
}

export interface LaneGroupForecast {
  id: string;
  /** Name of the approach the lane group belongs to, as an operator says it ("north"). */
  approach: string;
  /** Name of the phase it moves in; must be one of `phases`. */
  phase: string;
  saturationFlowVehPerHour: number;
  /** One point per horizon of the planning window. */
  forecast: ForecastPoint[];
  /** Last observed flow, veh/h: the start of the trend in the reason text (else the first horizon). */
  currentVehPerHour?: number;
}

export type PhaseSpec = Omit<PhaseDemand, 'approaches'>;

export interface PlanningInput {
  laneGroups: LaneGroupForecast[];
  /** The phase sequence, with any phase-specific minimum, pedestrian, amber or all-red times. */
  phases: PhaseSpec[];
  /** The plan running now; its phase names must match `phases`. */
  runningPlan: SignalPlan;
  webster?: Partial<WebsterOptions>;
  /** HCM options; the analysis period T defaults to 0.25 h (one 15-minute horizon). */
  delay?: Partial<HcmDelayOptions>;
  uncertainty?: { distribution?: DemandDistribution; quantiles?: number[] };
  /** Design flow over the window: the mean of the horizons (default) or the highest one. */
  designFlow?: 'average' | 'peak';
  /** Local hour at the start of the window (0-23), to name morning and evening peaks in the reason. */
  localHour?: number;
}

export type PlanBasis = 'centre' | 'upper';

export interface CandidatePlan {
  basis: PlanBasis;
  plan: TimingPlan;
  /** Design flow of each lane group, veh/h. */
  designFlows: Record<string, number>;
  /** Expected control delay over every horizon and demand level, s/veh. */
  expectedDelaySeconds: number;
  /** Control delay at the centre forecast alone, s/veh. */
  delayAtCentreSeconds: number;
}

export interface PlanningResult {
  plan: TimingPlan;
  chosenBasis: PlanBasis;
  expectedDelayRunning: number;
  expectedDelayRecommended: number;
  /** Expected saving against the running plan, s/veh (negative when the running plan is better). */
  gainSeconds: number;
  /** gainSeconds / expectedDelayRunning (0 when the running plan has no delay). */
  gainShare: number;
  /** Both candidates, to show how the plan changes when planned for the upper bound. */
  candidates: Record<PlanBasis, CandidatePlan>;
  delayAtCentreRunning: number;
  /** The chosen plan is congested (capped cycle or a phase over capacity) at its design flows, or over capacity at the centre forecast. */
  congested: boolean;
  reason: string;
  /** The demand trend the reason starts with ("evening peak rising on the north approach: …"). */
  demandTrend: string;
  /** Why the plan is congested (the reason's "congested: …" part), null when it is not. */
  congestionReason: string | null;
  /** Number of demand scenarios (horizons x levels) the expectation is over. */
  scenarioCount: number;
}

export function planForForecast(input: PlanningInput): PlanningResult {
  validateInput(input);
  const distribution = input.uncertainty?.distribution ?? 'lognormal';
  const quantiles = input.uncertainty?.quantiles ?? DEFAULT_SCENARIO_QUANTILES;
  const delayOptions = { ...DEFAULT_HCM, ...input.delay };
  const horizons = input.laneGroups[0].forecast.length;

  // One demand per horizon and level; every lane group at the same quantile at once
  // (a surge usually comes from one cause and lifts every approach together).
  const scenarios: PhaseDemand[][] = [];
  for (let h = 0; h < horizons; h++) {
    for (const p of quantiles) {
      scenarios.push(phaseDemand(input, (g) => flowAtQuantile(g.forecast[h].meanVehPerHour, g.forecast[h].upper80VehPerHour, p, distribution)));
    }
  }
  const centreScenarios = Array.from({ length: horizons }, (_, h) => phaseDemand(input, (g) => g.forecast[h].meanVehPerHour));
  const expectedDelay = (plan: SignalPlan, demands: PhaseDemand[][]): number => {
    let vehicleDelay = 0;
    let vehicles = 0;
    for (const demand of demands) {
      const result = crossingDelay(plan, demand, delayOptions);
      vehicleDelay += result.totalFlowVehPerHour * result.averageDelaySeconds;
      vehicles += result.totalFlowVehPerHour;
    }
    return vehicles > 0 ? vehicleDelay / vehicles : 0;
  };

  const aggregate = (values: number[]) => (input.designFlow === 'peak' ? Math.max(...values) : values.reduce((s, v) => s + v, 0) / values.length);
  const candidate = (basis: PlanBasis): CandidatePlan => {
    const designFlows: Record<string, number> = {};
    for (const g of input.laneGroups) designFlows[g.id] = aggregate(g.forecast.map((f) => (basis === 'centre' ? f.meanVehPerHour : f.upper80VehPerHour)));
    const plan = websterPlan(
      phaseDemand(input, (g) => designFlows[g.id]),
      input.webster,
    );
    return { basis, plan, designFlows, expectedDelaySeconds: expectedDelay(plan, scenarios), delayAtCentreSeconds: expectedDelay(plan, centreScenarios) };
  };
  const candidates = { centre: candidate('centre'), upper: candidate('upper') };
  // Ties go to the centre plan: it is the one the forecast itself points to.
  const chosen = candidates.upper.expectedDelaySeconds < candidates.centre.expectedDelaySeconds ? candidates.upper : candidates.centre;

  const expectedDelayRunning = expectedDelay(input.runningPlan, scenarios);
  const gainSeconds = expectedDelayRunning - chosen.expectedDelaySeconds;
  const gainShare = expectedDelayRunning > 0 ? gainSeconds / expectedDelayRunning : 0;
  const overCapacityAtCentre = centreScenarios.some((demand) => crossingDelay(chosen.plan, demand, delayOptions).worstDegreeOfSaturation > 1);

  const trend = describeDemandTrend(approachTrends(input.laneGroups), { localHour: input.localHour });
  const basisText =
    chosen.basis === 'upper'
      ? `planned for the upper 80% bound: expected delay ${chosen.expectedDelaySeconds.toFixed(1)} s/veh against ${candidates.centre.expectedDelaySeconds.toFixed(1)} s for a plan on the centre forecast`
      : `planned for the centre forecast (the upper-bound plan would expect ${candidates.upper.expectedDelaySeconds.toFixed(1)} s/veh against ${chosen.expectedDelaySeconds.toFixed(1)} s)`;
  const gainText =
    gainSeconds >= 0
      ? `saves ${gainSeconds.toFixed(1)} s/veh (${(gainShare * 100).toFixed(0)}%) against the running plan`
      : `the running plan is better by ${(-gainSeconds).toFixed(1)} s/veh`;
  const congestionText = chosen.plan.congestionReason ?? (overCapacityAtCentre ? 'over capacity at the centre forecast in at least one horizon' : null);

  return {
    plan: chosen.plan,
    chosenBasis: chosen.basis,
    expectedDelayRunning,
    expectedDelayRecommended: chosen.expectedDelaySeconds,
    gainSeconds,
    gainShare,
    candidates,
    delayAtCentreRunning: expectedDelay(input.runningPlan, centreScenarios),
    congested: chosen.plan.congested || overCapacityAtCentre,
    reason: [trend, basisText, gainText, congestionText ? `congested: ${congestionText}` : null].filter((s) => s !== null).join('; '),
    demandTrend: trend,
    congestionReason: congestionText,
    scenarioCount: scenarios.length,
  };
}

export interface HysteresisOptions {
  /** Smallest expected saving worth a plan change, s/veh. */
  minGainSeconds: number;
  /** Smallest expected saving as a share of the running plan's delay. */
  minGainShare: number;
}

/** Stated defaults: a change must save at least 2 s per vehicle and 5 % of the running delay. */
export const DEFAULT_HYSTERESIS: HysteresisOptions = { minGainSeconds: 2, minGainShare: 0.05 };

/** Hysteresis: recommend a change only when the expected gain passes both thresholds. */
export function shouldRecommend(result: Pick<PlanningResult, 'gainSeconds' | 'gainShare'>, partial: Partial<HysteresisOptions> = {}): boolean {
  const options = { ...DEFAULT_HYSTERESIS, ...partial };
  return result.gainSeconds >= options.minGainSeconds && result.gainShare >= options.minGainShare;
}

export interface ApproachTrend {
  approach: string;
  currentVehPerHour?: number;
  forecast: Array<{ minutesAhead: number; meanVehPerHour: number }>;
}

/**
 * One line of operator text from the flow trend: the approach whose forecast changes the
 * most (in veh/h) from now to its furthest peak or trough in the window, if by at least
 * `minShare`; else the steady busiest approach.
 * e.g. "evening peak rising on the north approach: +34% in 60 min".
 */
export function describeDemandTrend(approaches: ApproachTrend[], options: { localHour?: number; minShare?: number } = {}): string {
  const minShare = options.minShare ?? 0.1;
  const period = options.localHour === undefined ? null : options.localHour >= 6 && options.localHour < 10 ? 'morning peak' : options.localHour >= 15 && options.localHour < 19 ? 'evening peak' : null;
  const changes = approaches
    .filter((a) => a.forecast.length > 0)
    .map((a) => {
      const start = a.currentVehPerHour ?? a.forecast[0].meanVehPerHour;
      const startMinutes = a.currentVehPerHour === undefined ? a.forecast[0].minutesAhead : 0;
      let extreme = a.forecast[0];
      for (const point of a.forecast) if (Math.abs(point.meanVehPerHour - start) > Math.abs(extreme.meanVehPerHour - start)) extreme = point;
      const change = extreme.meanVehPerHour - start;
      const window = a.forecast[a.forecast.length - 1].minutesAhead - startMinutes;
      return { approach: a.approach, start, change, share: start > 0 ? change / start : change > 0 ? Infinity : 0, minutes: extreme.minutesAhead - startMinutes, window, end: extreme.meanVehPerHour };
    });
  if (changes.length === 0) return 'no forecast flow';
  const notable = changes.filter((c) => Math.abs(c.share) >= minShare && c.change !== 0).sort((a, b) => Math.abs(b.change) - Math.abs(a.change));
  if (notable.length === 0) {
    const busiest = [...changes].sort((a, b) => b.start - a.start)[0];
    const horizon = Math.max(...changes.map((c) => c.window), 0);
    return `${period ?? 'demand'} steady (within ${Math.round(minShare * 100)}% over ${horizon} min); busiest: the ${busiest.approach} approach at ${Math.round(busiest.start)} veh/h`;
  }
  const top = notable[0];
  const rising = top.change > 0;
  const what = period ? `${period} ${rising ? 'rising' : 'easing'}` : `demand ${rising ? 'rising' : 'falling'}`;
  const amount = Number.isFinite(top.share) ? `${rising ? '+' : '-'}${Math.round(Math.abs(top.share) * 100)}%` : `from 0 to ${Math.round(top.end)} veh/h`;
  return `${what} on the ${top.approach} approach: ${amount} in ${top.minutes} min`;
}

function approachTrends(laneGroups: LaneGroupForecast[]): ApproachTrend[] {
  const byApproach = new Map<string, LaneGroupForecast[]>();
  for (const g of laneGroups) byApproach.set(g.approach, [...(byApproach.get(g.approach) ?? []), g]);
  return [...byApproach.entries()].map(([approach, groups]) => ({
    approach,
    currentVehPerHour: groups.every((g) => g.currentVehPerHour !== undefined) ? groups.reduce((s, g) => s + g.currentVehPerHour!, 0) : undefined,
    forecast: groups[0].forecast.map((point, h) => ({ minutesAhead: point.minutesAhead, meanVehPerHour: groups.reduce((s, g) => s + g.forecast[h].meanVehPerHour, 0) })),
  }));
}

function phaseDemand(input: PlanningInput, flowOf: (g: LaneGroupForecast) => number): PhaseDemand[] {
  return input.phases.map((phase) => ({
    ...phase,
    approaches: input.laneGroups
      .filter((g) => g.phase === phase.name)
      .map((g) => ({ id: g.id, approach: g.approach, flowVehPerHour: flowOf(g), saturationFlowVehPerHour: g.saturationFlowVehPerHour })),
  }));
}

function validateInput(input: PlanningInput): void {
  if (input.laneGroups.length === 0) throw new Error('planning needs at least one lane group');
  if (input.phases.length === 0) throw new Error('planning needs at least one phase');
  const horizons = input.laneGroups[0].forecast.length;
  if (horizons === 0) throw new Error('planning needs at least one forecast horizon');
  const phaseNames = new Set(input.phases.map((p) => p.name));
  for (const g of input.laneGroups) {
    if (!phaseNames.has(g.phase)) throw new Error(`lane group ${g.id}: no phase named ${g.phase}`);
    if (g.forecast.length !== horizons) throw new Error(`lane group ${g.id}: ${g.forecast.length} horizons, expected ${horizons} like the others`);
    for (const point of g.forecast) {
      if (!(point.upper80VehPerHour >= point.meanVehPerHour)) throw new Error(`lane group ${g.id}: upper bound below the mean at ${point.minutesAhead} min`);
    }
  }
  for (const name of phaseNames) {
    if (!input.runningPlan.phases.some((p) => p.name === name)) throw new Error(`the running plan has no phase named ${name}`);
  }
}
