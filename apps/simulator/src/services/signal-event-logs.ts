import { SignalEventLogMessage } from '@crosscast/contracts';
import { SignalEventLog } from '@crosscast/simulation';

/**
 * The controller event log messages of simulated interval `interval` (0 = the one from
 * simulation second 0), one per crossing: the events logged in [start, end) as
 * [ms after start, code, parameter]. Takes them out of the log (earlier leftovers are
 * dropped). Call once the engine's clock is at least one step past the interval's end.
 * Plain data, no I/O.
 */
export function eventLogMessages(log: SignalEventLog, runId: string, originMs: number, interval: number, intervalMinutes: number): SignalEventLogMessage[] {
  if (interval < 0) return [];
  const span = intervalMinutes * 60_000;
  const startSeconds = (interval * span) / 1000;
  const taken = log.takeUntil(startSeconds + span / 1000);
  const messages: SignalEventLogMessage[] = [];
  for (const [crossingId, events] of taken) {
    const rows: Array<[number, number, number]> = [];
    for (const e of events) {
      if (e.seconds < startSeconds) continue;
      rows.push([Math.min(span - 1, Math.max(0, Math.floor(e.seconds * 1000 - startSeconds * 1000))), e.code, e.param]);
    }
    messages.push({
      v: 1,
      runId,
      crossingId,
      intervalStart: new Date(originMs + interval * span).toISOString(),
      intervalMinutes,
      channels: log.channels(crossingId).map(({ linkId: _link, ...c }) => c),
      events: rows,
    });
  }
  return messages;
}
