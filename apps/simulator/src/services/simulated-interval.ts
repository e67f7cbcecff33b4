import { DetectorReading, SimulationReport } from '@crosscast/contracts';
import { IntervalReport, NetworkTotals, SimCity } from '@crosscast/simulation';

/**
 * Turns one interval of the engine into what leaves the simulator: each crossing's
 * detector reading (per approach, the stop-line count of its links) and the
 * SimulationReport (per crossing and city figures). Plain data, no I/O.
 */
export function detectorReadings(city: SimCity, interval: IntervalReport, intervalStartMs: number, intervalMinutes: number): DetectorReading[] {
  const countByLink = new Map(interval.approaches.map((a) => [a.approachLinkId, a.detectorCount]));
  const intervalStart = new Date(intervalStartMs).toISOString();
  return city.crossings.map((crossing) => {
    const counts: Record<string, number> = {};
    for (const approach of crossing.approaches) {
      counts[approach] = city.approachLinks[approach].reduce((sum, link) => sum + (countByLink.get(link) ?? 0), 0);
    }
    return { v: 1, crossingId: crossing.id, intervalStart, intervalMinutes, counts };
  });
}

export function simulationReport(
  city: SimCity,
  runId: string,
  interval: IntervalReport,
  totals: NetworkTotals,
  intervalStartMs: number,
  intervalMinutes: number,
  planIdOf: (crossingId: string) => string,
): SimulationReport {
  const byCrossing = new Map<string, IntervalReport['approaches']>();
  for (const a of interval.approaches) byCrossing.set(a.crossingId, [...(byCrossing.get(a.crossingId) ?? []), a]);
  const crossings = city.crossings.map((crossing) => {
    const approaches = byCrossing.get(crossing.id) ?? [];
    const throughput = sum(approaches.map((a) => a.detectorCount));
    return {
      crossingId: crossing.id,
      throughput,
      meanDelaySeconds: round(throughput > 0 ? sum(approaches.map((a) => a.totalDelaySeconds)) / throughput : 0),
      stopsPerVehicle: round(throughput > 0 ? sum(approaches.map((a) => a.stops)) / throughput : 0, 3),
      meanQueue: round(sum(approaches.map((a) => a.meanQueue))),
      maxQueue: Math.max(0, ...approaches.map((a) => a.maxQueue)),
      planId: planIdOf(crossing.id),
    };
  });
  const throughput = sum(crossings.map((c) => c.throughput));
  const totalDelay = sum(interval.approaches.map((a) => a.totalDelaySeconds));
  const stops = sum(interval.approaches.map((a) => a.stops));
  return {
    v: 1,
    network: city.name,
    runId,
    intervalStart: new Date(intervalStartMs).toISOString(),
    intervalMinutes,
    crossings,
    city: {
      throughput,
      meanDelaySeconds: round(throughput > 0 ? totalDelay / throughput : 0),
      stopsPerVehicle: round(throughput > 0 ? stops / throughput : 0, 3),
      meanQueue: round(sum(crossings.map((c) => c.meanQueue))),
      maxQueue: Math.max(0, ...crossings.map((c) => c.maxQueue)),
      tripsCompleted: interval.trips.count,
      meanTripDelaySeconds: round(Math.max(0, interval.trips.meanDelaySeconds)),
      vehiclesInside: totals.inside,
      vehiclesWaitingToEnter: totals.waitingToEnter,
    },
  };
}

/** "12:15 boroondara: 24,310 veh, delay 18.2 s/veh, 0.41 stops/veh, queued 310 (max 52 at 4043), 3 plans applied". */
export function citySummaryLine(report: SimulationReport, localTime: string): string {
  const worst = report.crossings.reduce((a, b) => (b.maxQueue > a.maxQueue ? b : a), report.crossings[0]);
  return (
    `${localTime} ${report.network}: ${report.city.throughput} veh over the stop lines, delay ${report.city.meanDelaySeconds.toFixed(1)} s/veh, ` +
    `${report.city.stopsPerVehicle.toFixed(2)} stops/veh, ${Math.round(report.city.meanQueue)} queued on average (longest ${report.city.maxQueue} at ${worst.crossingId}), ` +
    `${report.city.vehiclesInside} vehicles in the network`
  );
}

function sum(values: number[]): number {
  return values.reduce((s, v) => s + v, 0);
}

function round(v: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}
