import type { CityFusionConfig, CityFusionState, FusionStateRecord, PendingAggregate, PendingPrediction } from './city-fusion';

/**
 * The fusion's learned state cut into records that each stay small however big the city
 * (so no single JSON text approaches V8's string limit, and a store can write them one by
 * one): a `city` record, one `aggregate:<key>` record per aggregate (its residuals) and one
 * `crossing:<id>` record per crossing. A pending aggregate prediction is split by member:
 * the city record lists the prediction (aggregate, target, horizon), each member crossing's
 * record holds its predicted mean, half-width and observed total for it.
 */

const RECORDS_VERSION = 2;
export const CITY_RECORD = 'city';
export const AGGREGATE_RECORD_PREFIX = 'aggregate:';
export const CROSSING_RECORD_PREFIX = 'crossing:';

type CrossingStateRecord = CityFusionState['crossings'][string] & {
  /** [index into the city record's pendingAggregates, predicted mean, 80 % half-width, observed total or null]. */
  aggregateShares: Array<[number, number, number, number | null]>;
};

interface CityStateRecord {
  version: typeof RECORDS_VERSION;
  lastFuseMs: number | null;
  cityStacking: CityFusionState['cityStacking'];
  cityNeighbourFit: CityFusionState['cityNeighbourFit'];
  cityFusedResiduals: CityFusionState['cityFusedResiduals'];
  cityEstimateResiduals: CityFusionState['cityEstimateResiduals'];
  pendingAggregates: Array<{ name: string; targetMs: number; k: number }>;
  neighbourDeviationsDone: number | null;
}

/**
 * With `aggregates: false` the aggregate records are left out (they change only when the
 * fusion steps); with `city: false` the city record is (a save written in chunks writes it
 * with the first chunk only).
 */
export function stateToRecords(state: CityFusionState, options: { aggregates?: boolean; city?: boolean } = {}): FusionStateRecord[] {
  const shares = new Map<string, CrossingStateRecord['aggregateShares']>();
  state.pendingAggregates.forEach((agg, index) => {
    for (const [id, [mean, half]] of Object.entries(agg.members)) {
      if (!(id in state.crossings)) continue;
      const share: [number, number, number, number | null] = [index, mean, half, agg.observed[id] ?? null];
      const list = shares.get(id);
      if (list) list.push(share);
      else shares.set(id, [share]);
    }
  });
  const city: CityStateRecord = {
    version: RECORDS_VERSION,
    lastFuseMs: state.lastFuseMs,
    cityStacking: state.cityStacking,
    cityNeighbourFit: state.cityNeighbourFit,
    cityFusedResiduals: state.cityFusedResiduals,
    cityEstimateResiduals: state.cityEstimateResiduals,
    pendingAggregates: state.pendingAggregates.map(({ name, targetMs, k }) => ({ name, targetMs, k })),
    neighbourDeviationsDone: state.neighbourDeviationsDone,
  };
  return [
    ...(options.city === false ? [] : [{ key: CITY_RECORD, value: city }]),
    ...Object.entries(options.aggregates === false ? {} : state.aggregateResiduals).map(([key, residuals]) => ({ key: AGGREGATE_RECORD_PREFIX + key, value: residuals })),
    ...Object.entries(state.crossings).map(([id, crossing]) => ({ key: CROSSING_RECORD_PREFIX + id, value: { ...crossing, aggregateShares: shares.get(id) ?? [] } satisfies CrossingStateRecord })),
  ];
}

/** The inverse of `stateToRecords` (throws on a missing city record or another version). */
export function stateFromRecords(config: CityFusionConfig, records: FusionStateRecord[]): CityFusionState {
  const cityRecord = records.find((r) => r.key === CITY_RECORD)?.value as CityStateRecord | undefined;
  if (!cityRecord) throw new Error('no city record');
  if (cityRecord.version !== RECORDS_VERSION) throw new Error(`city record version ${cityRecord.version}, expected ${RECORDS_VERSION}`);
  const pendingAggregates: PendingAggregate[] = cityRecord.pendingAggregates.map(({ name, targetMs, k }) => ({ name, targetMs, k, members: {}, observed: {} }));
  const crossings: CityFusionState['crossings'] = {};
  const aggregateResiduals: CityFusionState['aggregateResiduals'] = {};
  for (const { key, value } of records) {
    if (key.startsWith(AGGREGATE_RECORD_PREFIX)) {
      aggregateResiduals[key.slice(AGGREGATE_RECORD_PREFIX.length)] = value as CityFusionState['aggregateResiduals'][string];
    } else if (key.startsWith(CROSSING_RECORD_PREFIX)) {
      const id = key.slice(CROSSING_RECORD_PREFIX.length);
      const { aggregateShares, ...crossing } = value as CrossingStateRecord;
      crossings[id] = crossing;
      for (const [index, mean, half, observed] of aggregateShares) {
        const agg = pendingAggregates[index];
        if (!agg) throw new Error(`crossing ${id} refers to pending aggregate ${index}, which the city record does not have`);
        agg.members[id] = [mean, half];
        if (observed !== null) agg.observed[id] = observed;
      }
    }
  }
  return {
    version: 1,
    config,
    lastFuseMs: cityRecord.lastFuseMs,
    crossings,
    cityStacking: cityRecord.cityStacking,
    cityNeighbourFit: cityRecord.cityNeighbourFit,
    cityFusedResiduals: cityRecord.cityFusedResiduals,
    cityEstimateResiduals: cityRecord.cityEstimateResiduals,
    aggregateResiduals,
    pendingAggregates,
    neighbourDeviationsDone: cityRecord.neighbourDeviationsDone,
  };
}

/** A deep copy of a crossing's pending predictions (plain data, no JSON text in between). */
export function copyPending(pending: Record<string, PendingPrediction[]>): Record<string, PendingPrediction[]> {
  const copy: Record<string, PendingPrediction[]> = {};
  for (const [key, list] of Object.entries(pending)) {
    copy[key] = list.map((p) => ({
      ...p,
      ...(p.fused ? { fused: { ...p.fused } } : {}),
      estimate: { ...p.estimate },
    }));
  }
  return copy;
}

/**
 * A copy of a pending aggregate prediction holding only the given crossings' shares (what
 * their records need), at a cost that follows the smaller of the two sets.
 */
export function copyPendingAggregateFor(agg: PendingAggregate, only: ReadonlySet<string>): PendingAggregate {
  const members: PendingAggregate['members'] = {};
  const observed: PendingAggregate['observed'] = {};
  const take = (id: string) => {
    const share = agg.members[id];
    if (share === undefined) return;
    members[id] = [share[0], share[1]];
    if (id in agg.observed) observed[id] = agg.observed[id];
  };
  const memberIds = Object.keys(agg.members);
  if (only.size < memberIds.length) for (const id of only) take(id);
  else for (const id of memberIds) if (only.has(id)) take(id);
  return { name: agg.name, targetMs: agg.targetMs, k: agg.k, members, observed };
}

/**
 * A deep copy of a pending aggregate prediction. With `memberOrder` (the aggregate's
 * members as defined), members are put back in that order, the order the prediction was
 * made in, so scoring sums them in the same order after a restore from records.
 */
export function copyPendingAggregate(agg: PendingAggregate, memberOrder?: readonly string[]): PendingAggregate {
  const members: PendingAggregate['members'] = {};
  const ids = memberOrder ? memberOrder.filter((id) => id in agg.members) : Object.keys(agg.members);
  for (const id of ids) members[id] = [agg.members[id][0], agg.members[id][1]];
  // Members the definition no longer has (the crossings file changed) keep their prediction.
  for (const id of Object.keys(agg.members)) if (!(id in members)) members[id] = [agg.members[id][0], agg.members[id][1]];
  return { name: agg.name, targetMs: agg.targetMs, k: agg.k, members, observed: { ...agg.observed } };
}
