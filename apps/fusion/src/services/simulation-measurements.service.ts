import { Inject, Injectable, Logger } from '@nestjs/common';
import { SIMULATION_REPORT_QUEUE, SignedSimulationReportSchema, SimulatedCrossingView, SimulationSnapshotView, hasValidSignature } from '@crosscast/contracts';
import { SIMULATOR_LINK_KEY } from '@crosscast/runtime';
import { LiveGateway } from '../gateways/live.gateway';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { ForecastStoreRepository } from '../repositories/forecast-store.repository';
import { SimulationStoreRepository } from '../repositories/simulation-store.repository';

export type SimulationIngestOutcome = { status: 'stored' } | { status: 'duplicate' } | { status: 'rejected'; reason: string };

/**
 * What the simulated street measured (simulate mode): stores each SimulationReport once,
 * streams it to dashboards, and answers queries. This is how an operator sees a plan they
 * accepted change the delay at a crossing. Reports naming crossings the city does not
 * know, or not signed with the simulator link key, are refused whole, to the dead
 * letters, like any other bad message.
 */
@Injectable()
export class SimulationMeasurementsService {
  private readonly logger = new Logger(SimulationMeasurementsService.name);

  constructor(
    private readonly store: SimulationStoreRepository,
    private readonly forecasts: ForecastStoreRepository,
    private readonly city: CityRepository,
    private readonly clock: ClockRepository,
    private readonly live: LiveGateway,
    @Inject(SIMULATOR_LINK_KEY) private readonly linkKey: Buffer,
  ) {}

  async ingest(jobId: string, data: unknown): Promise<SimulationIngestOutcome> {
    const receivedAt = this.clock.now();
    const parsed = SignedSimulationReportSchema.safeParse(data);
    let reason: string | null = null;
    if (!parsed.success) {
      reason = `invalid simulation report: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
    } else if (!hasValidSignature(parsed.data, this.linkKey)) {
      reason = 'simulation report: signature does not match the simulator link key';
    } else {
      const unknown = parsed.data.crossings.map((c) => c.crossingId).filter((id) => !this.city.get(id));
      if (unknown.length > 0) reason = `simulation report names crossings this city does not have: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? '…' : ''}`;
    }
    if (reason !== null || !parsed.success) {
      await this.forecasts.recordDeadLetter(SIMULATION_REPORT_QUEUE, jobId, reason as string, data, receivedAt);
      this.logger.warn(`simulation report ${jobId} rejected: ${reason}`);
      return { status: 'rejected', reason: reason as string };
    }
    const { sig: _sig, ...report } = parsed.data;
    if (!(await this.store.storeReport(report, receivedAt))) return { status: 'duplicate' };
    this.live.emit('simulation-report', {
      runId: report.runId,
      network: report.network,
      intervalStart: new Date(report.intervalStart).toISOString(),
      intervalMinutes: report.intervalMinutes,
      city: report.city,
      crossings: report.crossings.map((c) => ({ ...c, intervalStart: new Date(report.intervalStart).toISOString() })),
    });
    return { status: 'stored' };
  }

  latest(): Promise<SimulationSnapshotView | null> {
    return this.store.latest();
  }

  crossingSeries(crossingId: string, limit: number): Promise<SimulatedCrossingView[]> {
    return this.store.crossingSeries(crossingId, limit);
  }
}
