import { BadRequestException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { CrossingMeasuresView, SIGNAL_EVENT_LOG_QUEUE, SignedSignalEventLogMessageSchema, hasValidSignature } from '@crosscast/contracts';
import { SignalEvent, computeMeasures } from '@crosscast/performance-measures';
import { SIMULATOR_LINK_KEY } from '@crosscast/runtime';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { ForecastStoreRepository } from '../repositories/forecast-store.repository';
import { SignalEventLogRepository } from './signal-event-log.repository';

export type EventLogIngestOutcome = { status: 'stored' } | { status: 'duplicate' } | { status: 'rejected'; reason: string };

/** Events this long either side of the window are read too, so the cycles at its edges are whole. */
export const MEASURE_MARGIN_MS = 10 * 60_000;
/** The longest window one request may ask for. */
export const MAX_MEASURE_WINDOW_MS = 7 * 86_400_000;
const DEFAULT_WINDOW_MS = 3_600_000;

/**
 * ATSPM performance measures of the simulated street: stores each signed controller event
 * log the simulator sends (once; bad or unsigned ones go to the dead letters, like any bad
 * message) and computes the measures for a crossing and window on read, with the pure
 * `@crosscast/performance-measures` library. Reads change nothing.
 */
@Injectable()
export class SignalEventLogService {
  private readonly logger = new Logger(SignalEventLogService.name);

  constructor(
    private readonly logs: SignalEventLogRepository,
    private readonly city: CityRepository,
    private readonly clock: ClockRepository,
    private readonly deadLetters: ForecastStoreRepository,
    @Inject(SIMULATOR_LINK_KEY) private readonly linkKey: Buffer,
  ) {}

  async ingest(jobId: string, data: unknown): Promise<EventLogIngestOutcome> {
    const receivedAt = this.clock.now();
    const parsed = SignedSignalEventLogMessageSchema.safeParse(data);
    let reason: string | null = null;
    if (!parsed.success) reason = `invalid signal event log: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
    else if (!hasValidSignature(parsed.data, this.linkKey)) reason = 'signal event log: signature does not match the simulator link key';
    else if (!this.city.get(parsed.data.crossingId)) reason = `signal event log names a crossing this city does not have: ${parsed.data.crossingId}`;
    if (reason !== null || !parsed.success) {
      await this.deadLetters.recordDeadLetter(SIGNAL_EVENT_LOG_QUEUE, jobId, reason as string, data, receivedAt);
      this.logger.warn(`signal event log ${jobId} rejected: ${reason}`);
      return { status: 'rejected', reason: reason as string };
    }
    const { sig: _sig, ...log } = parsed.data;
    return (await this.logs.store(log, receivedAt)) ? { status: 'stored' } : { status: 'duplicate' };
  }

  /**
   * The measures of one crossing over [from, to). Defaults: `to` = the end of the newest
   * stored log of the crossing (the simulator's data time is not the wall clock), else now;
   * `from` = an hour before `to`.
   */
  async measures(crossingId: string, from: string | undefined, to: string | undefined, binMinutes: number | undefined, minutes?: number): Promise<CrossingMeasuresView> {
    if (!this.city.get(crossingId)) throw new NotFoundException(`crossing ${crossingId} is not part of this city`);
    const toMs = to ? Date.parse(to) : ((await this.logs.latestEnd(crossingId)) ?? this.clock.now().getTime());
    const fromMs = from ? Date.parse(from) : toMs - (minutes ? minutes * 60_000 : DEFAULT_WINDOW_MS);
    if (!(toMs > fromMs)) throw new BadRequestException('from must be before to');
    if (toMs - fromMs > MAX_MEASURE_WINDOW_MS) throw new BadRequestException('the window may span at most 7 days');
    const logs = await this.logs.overlapping(crossingId, fromMs - MEASURE_MARGIN_MS, toMs + MEASURE_MARGIN_MS);
    const events: SignalEvent[] = [];
    for (const log of logs) for (const [offset, code, param] of log.events) events.push({ localMs: log.intervalStartMs + offset, code, param });
    const channels = logs.length ? logs[logs.length - 1].channels : [];
    return computeMeasures(crossingId, events, channels, { fromMs, toMs, binMinutes: binMinutes ?? 15 });
  }
}
