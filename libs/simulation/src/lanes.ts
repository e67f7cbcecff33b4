/**
 * Lane groups and gap acceptance: plain data and functions the engine's discharge uses.
 *
 * A crossing whose approaches declare lane groups, or whose movements yield (permissive
 * turns), runs every one of its approaches through lane groups; other crossings keep the
 * one-queue-per-approach discharge (same results as before lane groups existed).
 *
 * Gap acceptance (HCM 2010 permissive left turn, ch. 31; Harders' model): a yielding
 * vehicle at the head of its lane group may cross the stop line at time d only if no
 * vehicle of a movement it yields to crosses in [d, d + critical gap); the next yielding
 * vehicle of the same group follows no sooner than the follow-up time. With Poisson
 * opposing flow v (veh/s) this gives the permissive saturation flow
 * s = v e^(−v tc) / (1 − e^(−v tf)) (HCM eq. 31-…, Harders 1968), see permissiveSaturationFlow.
 */
import { LaneGroup, MovementKind, Network, laneGroupStorage } from './network';

/** HCM 2010 permissive left turn: critical headway 4.5 s, follow-up headway 2.5 s. */
export const DEFAULT_CRITICAL_GAP_SECONDS = 4.5;
export const DEFAULT_FOLLOW_UP_SECONDS = 2.5;

/**
 * Permissive saturation flow (veh/h) of a turn that yields to an opposing Poisson stream of
 * opposingVehPerHour, for critical gap tc and follow-up tf (HCM 2010 eq. 31-… / Harders).
 */
export function permissiveSaturationFlow(opposingVehPerHour: number, criticalGapSeconds = DEFAULT_CRITICAL_GAP_SECONDS, followUpSeconds = DEFAULT_FOLLOW_UP_SECONDS): number {
  const v = opposingVehPerHour / 3600;
  if (v <= 0) return 3600 / followUpSeconds;
  return (3600 * v * Math.exp(-v * criticalGapSeconds)) / (1 - Math.exp(-v * followUpSeconds));
}

/**
 * Earliest d in [from, limit) such that no conflict time p lies in [d, d + criticalGap): the
 * yielding vehicle goes right behind a passing vehicle if the gap behind it is long enough.
 * `conflicts[0..n)` is sorted in place. Infinity when no such d exists before limit.
 */
export function acceptGap(from: number, limit: number, conflicts: Float64Array, n: number, criticalGap: number): number {
  const sorted = conflicts.subarray(0, n).sort();
  let d = from;
  for (let i = 0; i < n; i++) {
    const p = sorted[i];
    if (p < d) continue;
    if (p >= d + criticalGap) break;
    d = p;
    if (d >= limit) return Infinity;
  }
  return d < limit ? d : Infinity;
}

/** The lane groups an approach runs with when it declares none: all lanes, every turn. */
export function defaultLaneGroups(lanes: number): LaneGroup[] {
  return [{ lanes, turns: ['through', 'left', 'right', 'uturn'] }];
}

/** Lane groups flattened for the engine (group index global over all links). */
export interface LaneLayout {
  /** Per link: its groups are groupStart[l] .. groupStart[l + 1] − 1 (none: one-queue discharge). */
  groupStart: Int32Array;
  groupLanes: Int32Array;
  groupStorage: Float64Array;
  /** Per movement (engine order): bit k set when the link's k-th group serves it. */
  movementGroups: Int32Array;
  /** Per movement: the movements it yields to are yields[yieldStart[m] .. yieldStart[m + 1]). */
  yieldStart: Int32Array;
  yields: Int32Array;
  /** Links with at least one yielding movement (discharged again after the others each step). */
  yieldingLinks: Int32Array;
}

/**
 * Builds the layout. `movementOrder[l]` lists link l's movements (id and kind) in the
 * engine's order: movement k of link l has engine index Σ_{j<l} |movementOrder[j]| + k.
 */
export function buildLaneLayout(network: Network, linkIndex: Map<string, number>, movementOrder: { id: string; kind: MovementKind }[][]): LaneLayout {
  // movement ids are unique within a crossing (the approach link's end node)
  const movementIndex = new Map<string, number>();
  let next = 0;
  movementOrder.forEach((ms, l) => ms.forEach((mv) => movementIndex.set(`${network.links[l].to}\u0000${mv.id}`, next++)));
  const nLinks = network.links.length;
  const grouped = new Set<number>();
  for (const crossing of network.crossings) {
    const uses = crossing.movements.some((m) => (m.yieldsTo?.length ?? 0) > 0)
      || crossing.approaches.some((a) => network.links[linkIndex.get(a)!].laneGroups !== undefined);
    if (uses) for (const a of crossing.approaches) grouped.add(linkIndex.get(a)!);
  }
  const groupStart = new Int32Array(nLinks + 1);
  const lanes: number[] = [];
  const storage: number[] = [];
  const nMov = movementOrder.reduce((s, ms) => s + ms.length, 0);
  const movementGroups = new Int32Array(nMov);
  let m = 0;
  network.links.forEach((link, l) => {
    groupStart[l] = lanes.length;
    if (grouped.has(l)) {
      const groups = link.laneGroups ?? defaultLaneGroups(link.lanes);
      for (const g of groups) {
        lanes.push(g.lanes);
        storage.push(laneGroupStorage(g));
      }
      for (const mv of movementOrder[l]) {
        let mask = 0;
        groups.forEach((g, k) => { if (g.turns.includes(mv.kind)) mask |= 1 << k; });
        movementGroups[m++] = mask;
      }
    } else {
      m += movementOrder[l].length;
    }
  });
  groupStart[nLinks] = lanes.length;

  const yieldsById = new Map<string, string[]>();
  for (const c of network.crossings) for (const mv of c.movements) if (mv.yieldsTo?.length) yieldsById.set(`${c.id}\u0000${mv.id}`, mv.yieldsTo);
  const yieldStart = new Int32Array(nMov + 1);
  const yields: number[] = [];
  const yieldingLinks: number[] = [];
  m = 0;
  movementOrder.forEach((ms, l) => {
    let any = false;
    for (const mv of ms) {
      yieldStart[m] = yields.length;
      const crossing = network.links[l].to;
      for (const foe of yieldsById.get(`${crossing}\u0000${mv.id}`) ?? []) yields.push(movementIndex.get(`${crossing}\u0000${foe}`)!);
      any ||= yields.length > yieldStart[m];
      m++;
    }
    if (any) yieldingLinks.push(l);
  });
  yieldStart[nMov] = yields.length;
  return {
    groupStart, groupLanes: Int32Array.from(lanes), groupStorage: Float64Array.from(storage), movementGroups,
    yieldStart, yields: Int32Array.from(yields), yieldingLinks: Int32Array.from(yieldingLinks),
  };
}
