import { CrossingDefinition, DetectorReading } from '@crosscast/contracts';
import { CountsTable } from '@crosscast/seed';

/**
 * Recorded counts arranged for replay: for every interval of the recording, one reading
 * per crossing with every approach (null where the detector recorded nothing). Plain
 * data, no clock: the app decides when each interval is played.
 */
export class ReplaySchedule {
  readonly intervalStartsMs: number[];
  private readonly byInterval = new Map<number, Map<string, Record<string, number | null>>>();

  constructor(
    table: CountsTable,
    private readonly crossings: CrossingDefinition[],
  ) {
    const wanted = new Set(crossings.map((c) => c.id));
    let first = Infinity;
    let last = -Infinity;
    for (const row of table.rows) {
      if (!wanted.has(row.crossingId)) continue;
      let perCrossing = this.byInterval.get(row.intervalStartMs);
      if (!perCrossing) {
        perCrossing = new Map();
        this.byInterval.set(row.intervalStartMs, perCrossing);
      }
      let counts = perCrossing.get(row.crossingId);
      if (!counts) {
        counts = {};
        perCrossing.set(row.crossingId, counts);
      }
      counts[row.approachId] = row.count;
      first = Math.min(first, row.intervalStartMs);
      last = Math.max(last, row.intervalStartMs);
    }
    if (!Number.isFinite(first)) throw new Error('the counts file has no rows for the selected crossings');
    this.intervalMinutes = table.intervalMinutes;
    const step = table.intervalMinutes * 60_000;
    this.intervalStartsMs = [];
    for (let t = first; t <= last; t += step) this.intervalStartsMs.push(t);
  }

  readonly intervalMinutes: number;

  /** Index of the first interval at or after `ms`. */
  indexAtOrAfter(ms: number): number {
    const i = this.intervalStartsMs.findIndex((t) => t >= ms);
    return i < 0 ? this.intervalStartsMs.length : i;
  }

  readingsAt(index: number): DetectorReading[] {
    const startMs = this.intervalStartsMs[index];
    const recorded = this.byInterval.get(startMs);
    return this.crossings.map((crossing) => {
      const counts: Record<string, number | null> = {};
      const row = recorded?.get(crossing.id);
      for (const approach of crossing.approaches) counts[approach.id] = row?.[approach.id] ?? null;
      return { v: 1, crossingId: crossing.id, intervalStart: new Date(startMs).toISOString(), intervalMinutes: this.intervalMinutes, counts };
    });
  }
}
