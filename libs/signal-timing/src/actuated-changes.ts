/**
 * Which of a group's new coordinated-actuated advice to send to the street, and what each
 * change is expected to gain. A change costs a transition, so:
 * - a change of operation (free ↔ coordinated) has passed `planActuatedGroup`'s hysteresis,
 *   and waits while its expected effect is within the noise (under `switchMinEffectSeconds`,
 *   0.5 s/veh, either way, over the group per vehicle of the switched crossings: the group's
 *   switches go together or not at all);
 *   one to free operation goes only if free operation is also expected to beat the plan the
 *   crossing runs now (the group planner compared it with the freshly planned one), at the
 *   forecast mean and (`robust`) at both ends of its band (`bandDemands`);
 * - re-timed coordinated plans (`actuatedPlanChanged` against the running ones) go together,
 *   and only for at least `minGainSeconds` of expected gain per vehicle of the re-timed
 *   crossings (`retimingGain`, neighbours included; with `robust` also at both ends of the
 *   forecast band), or when a re-timed crossing has a
 *   saturated side street (its count is its capacity: the forecast does not know its
 *   demand), or when the crossings left coordinated would otherwise run different cycles;
 * - each change's expected gain: the crossing's expected delay under the group's operation
 *   before − after (`evaluateActuatedGroup`, the same forecast).
 */
import { ActuatedPhaseDemand, CoordinatedActuatedPlan, PlanChangeOptions, actuatedPlanChanged } from './actuated-plan';
import { ActuatedGroupOptions, DEFAULT_RETIMING, GroupCorridor, RetimingOptions, evaluateActuatedGroup, retimingGain } from './actuated-group';

/** A crossing's advice: its coordinated-actuated plan, and whether it runs it (false: free operation). */
export interface CrossingOperation {
  plan: CoordinatedActuatedPlan;
  coordinated: boolean;
}

export interface GroupChange {
  crossingId: string;
  operation: CrossingOperation;
  kind: 'to-coordinated' | 'to-free' | 're-timed';
  expectedGainSeconds: number;
}

export interface GroupChangeOptions extends Pick<ActuatedGroupOptions, 'plan' | 'delay' | 'platoonShare'> {
  planChange: Partial<PlanChangeOptions>;
  retiming: Partial<RetimingOptions>;
  /** false: send every change of operation and every re-timing `actuatedPlanChanged` finds (no expected-gain test). */
  gate: boolean;
  /** With the gate: a change must pay at both ends of the forecast band too (`bandDemands`), not only at its mean (default true). */
  robust: boolean;
}

/**
 * The demand at the two ends of the forecast's 80 % band: every lane group at its upper
 * bound, and at the mean mirrored below it (mean − (upper − mean), at least 0). The upper
 * bound comes from the day-to-day spread of the previous days (and the last count), so a
 * gain that changes sign inside the band is one the day's own demand can undo: within the
 * noise a change can be measured against.
 */
export function bandDemands(demand: Record<string, ActuatedPhaseDemand[]>): Array<Record<string, ActuatedPhaseDemand[]>> {
  const at = (flow: (g: ActuatedPhaseDemand['laneGroups'][number]) => number) =>
    Object.fromEntries(Object.entries(demand).map(([id, phases]) => [id, phases.map((p) => ({ ...p, laneGroups: p.laneGroups.map((g) => ({ ...g, meanVehPerHour: flow(g) })) }))]));
  return [at((g) => Math.max(g.meanVehPerHour, g.upperVehPerHour)), at((g) => Math.max(0, 2 * g.meanVehPerHour - Math.max(g.meanVehPerHour, g.upperVehPerHour)))];
}

export function groupChanges(
  demand: Record<string, ActuatedPhaseDemand[]>,
  corridors: GroupCorridor[],
  running: ReadonlyMap<string, CrossingOperation>,
  advised: ReadonlyMap<string, CrossingOperation>,
  saturated: ReadonlySet<string> = new Set(),
  partial: Partial<GroupChangeOptions> = {},
): GroupChange[] {
  const gate = partial.gate ?? true;
  const robust = partial.robust ?? true;
  const bandMinGain = partial.retiming?.bandMinGainSeconds ?? DEFAULT_RETIMING.bandMinGainSeconds;
  const minGain = partial.retiming?.minGainSeconds ?? DEFAULT_RETIMING.minGainSeconds;
  const minEffect = partial.retiming?.switchMinEffectSeconds ?? DEFAULT_RETIMING.switchMinEffectSeconds;
  const options = { plan: partial.plan, delay: partial.delay, platoonShare: partial.platoonShare };
  const ids = [...advised.keys()];
  for (const id of ids) if (!running.has(id)) throw new Error(`no running operation for crossing ${id}`);
  const switches = new Map<string, CrossingOperation>();
  const retimes = new Map<string, CrossingOperation>();
  for (const id of ids) {
    const now = running.get(id)!;
    const next = advised.get(id)!;
    if (now.coordinated !== next.coordinated) switches.set(id, next);
    else if (next.coordinated && actuatedPlanChanged(now.plan, next.plan, partial.planChange)) retimes.set(id, next);
  }
  if (switches.size === 0 && retimes.size === 0) return [];
  const operation = (state: (id: string) => CrossingOperation) => new Map(ids.map((id) => [id, state(id).coordinated ? state(id).plan : null]));
  const before = evaluateActuatedGroup(demand, corridors, operation((id) => running.get(id)!), options);
  const withSwitches = (id: string) => switches.get(id) ?? running.get(id)!;
  // The forecast band: the same operations evaluated at each end of it as well as at the mean (BAND_ENDS).
  const band = gate && robust ? bandDemands(demand) : [];
  if (gate && [...switches.values()].some((x) => !x.coordinated)) {
    const switched = evaluateActuatedGroup(demand, corridors, operation(withSwitches), options);
    for (const [id, next] of [...switches]) if (!next.coordinated && before.get(id)!.delaySeconds < switched.get(id)!.delaySeconds) switches.delete(id);
    // Free operation must also win across the band: a switch whose sign the day's demand could flip is noise.
    for (const d of band) {
      if (![...switches.values()].some((x) => !x.coordinated)) break;
      const b = evaluateActuatedGroup(d, corridors, operation((id) => running.get(id)!), options);
      const a = evaluateActuatedGroup(d, corridors, operation(withSwitches), options);
      for (const [id, next] of [...switches]) if (!next.coordinated && b.get(id)!.delaySeconds - a.get(id)!.delaySeconds < bandMinGain) switches.delete(id);
    }
  }
  // Changes of operation whose expected effect is within the noise (switchMinEffectSeconds either way, over the group per
  // vehicle of the switched crossings, neighbours included) wait: what they do cannot be told from the day's own variation.
  if (gate && switches.size > 0) {
    const switched = evaluateActuatedGroup(demand, corridors, operation(withSwitches), options);
    if (Math.abs(retimingGain(before, switched, switches.keys())) < minEffect) switches.clear();
  }
  const withAll = (id: string) => switches.get(id) ?? retimes.get(id) ?? running.get(id)!;
  const retimed = ids.filter((id) => retimes.has(id));
  let sendRetimes = retimed.length > 0;
  if (sendRetimes && gate) {
    const cycles = new Set(ids.filter((id) => withSwitches(id).coordinated).map((id) => withSwitches(id).plan.cycleSeconds));
    const gainAt = (d: Record<string, ActuatedPhaseDemand[]>) => retimingGain(evaluateActuatedGroup(d, corridors, operation(withSwitches), options), evaluateActuatedGroup(d, corridors, operation(withAll), options), retimed);
    // The gain must hold across the forecast band, not only at its mean.
    sendRetimes = cycles.size > 1 || retimed.some((id) => saturated.has(id)) || (gainAt(demand) >= minGain && band.every((d) => gainAt(d) >= minGain));
  }
  const final = (id: string) => (sendRetimes ? withAll(id) : withSwitches(id));
  const after = evaluateActuatedGroup(demand, corridors, operation(final), options);
  const changes: GroupChange[] = [];
  for (const id of ids) {
    const kind = switches.has(id) ? (switches.get(id)!.coordinated ? 'to-coordinated' : 'to-free') : sendRetimes && retimes.has(id) ? 're-timed' : null;
    if (!kind) continue;
    changes.push({ crossingId: id, operation: final(id), kind, expectedGainSeconds: before.get(id)!.delaySeconds - after.get(id)!.delaySeconds });
  }
  return changes;
}
