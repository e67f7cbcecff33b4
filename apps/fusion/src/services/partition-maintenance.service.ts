import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PARTITIONED_TABLES } from '@crosscast/persistence';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { ClockRepository } from '../repositories/clock.repository';
import { Fence } from '../repositories/leadership.repository';
import { PartitionedTable, PartitionsRepository } from '../repositories/partitions.repository';
import { LeadershipService } from './leadership.service';

const DAY_MS = 86_400_000;

export interface MaintenanceReport {
  created: string[];
  dropped: string[];
}

/**
 * Keeps the monthly partitions in shape, on the leader only, every PARTITION_MAINTENANCE_SECONDS:
 * the current and next month (wall clock) exist before data arrives; rows that landed in
 * DEFAULT (a replay of 2006, a clock far off) get their month's partition; months wholly
 * older than the table's retention (counted back from its newest data time, so a replay is
 * kept as long as live data would be) are dropped. Every create and drop is fenced by the
 * leader's epoch in its own transaction: a deposed leader that has not noticed yet creates
 * and drops nothing (its pass stops at the first refusal, FencedError).
 */
@Injectable()
export class PartitionMaintenanceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PartitionMaintenanceService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<MaintenanceReport> | null = null;

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    private readonly partitions: PartitionsRepository,
    private readonly leadership: LeadershipService,
    private readonly clock: ClockRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.PARTITION_MAINTENANCE_SECONDS === 0) return;
    const tick = () => {
      if (this.leadership.isLeader()) void this.maintain().catch((error) => this.logger.warn(`partition maintenance: ${(error as Error).message}`));
    };
    this.timer = setInterval(tick, this.config.PARTITION_MAINTENANCE_SECONDS * 1000);
    this.timer.unref();
    // A pass as soon as this instance leads (at start, or on taking over), not a period later.
    this.leadership.onChange((state) => {
      if (state.role === 'leader') setImmediate(tick);
    });
    setImmediate(tick);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  retentionDays(table: PartitionedTable): number {
    const byTable: Record<PartitionedTable, number> = {
      forecasts: this.config.RETENTION_FORECASTS_DAYS,
      forecast_points: this.config.RETENTION_FORECAST_POINTS_DAYS,
      observations: this.config.RETENTION_OBSERVATIONS_DAYS,
      planning_evaluations: this.config.RETENTION_PLANNING_EVALUATIONS_DAYS,
      signal_event_logs: this.config.RETENTION_SIGNAL_EVENT_LOGS_DAYS,
    };
    return byTable[table];
  }

  /** One pass over every partitioned table; never two at once. */
  maintain(): Promise<MaintenanceReport> {
    if (!this.running) this.running = this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<MaintenanceReport> {
    const report: MaintenanceReport = { created: [], dropped: [] };
    const now = this.clock.now();
    const thisMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    const fence: Fence = (manager) => this.leadership.assertLeading(manager);
    for (const { table, column } of PARTITIONED_TABLES) {
      for (const month of [thisMonth, nextMonth, ...(await this.partitions.monthsInDefault(table, column))]) {
        if (await this.partitions.ensureMonth(table, column, month, fence)) report.created.push(`${table} ${month.toISOString().slice(0, 7)}`);
      }
      const days = this.retentionDays(table);
      const newest = days > 0 ? await this.partitions.newest(table, column) : null;
      if (!newest) continue;
      const cutoff = newest.getTime() - days * DAY_MS;
      for (const partition of await this.partitions.list(table)) {
        if (partition.to && partition.to.getTime() <= cutoff) {
          await this.partitions.drop(partition.name, fence);
          report.dropped.push(partition.name);
        }
      }
    }
    if (report.created.length || report.dropped.length) {
      this.logger.log(`partitions: created ${report.created.join(', ') || 'none'}; dropped (retention) ${report.dropped.join(', ') || 'none'}`);
    }
    return report;
  }
}
