import { Injectable } from '@nestjs/common';
import { FORECAST_QUEUE, HEARTBEAT_QUEUE } from '@crosscast/contracts';
import { HealthReportDto } from '../dtos/health.view.dto';
import { ForecastStoreRepository } from '../repositories/forecast-store.repository';
import { QueueRepository } from '../repositories/queue.repository';
import { StatusService } from './status.service';
import { CityFusionService } from './city-fusion.service';
import { LeadershipService } from './leadership.service';
import { PlanningService } from './planning.service';
import { EventLoopMonitor } from './event-loop-monitor';

const CHECK_TIMEOUT_MS = 2000;

@Injectable()
export class HealthService {
  constructor(
    private readonly store: ForecastStoreRepository,
    private readonly queues: QueueRepository,
    private readonly leadership: LeadershipService,
    private readonly fusion: CityFusionService,
    private readonly planning: PlanningService,
    private readonly status: StatusService,
    private readonly eventLoop: EventLoopMonitor,
  ) {}

  /** Typed with the OpenAPI DTO, so a field added here without its description does not compile. */
  async report(): Promise<HealthReportDto> {
    const [postgres, redis, forecasts, heartbeats, heardUntil] = await Promise.all([
      check(() => this.store.ping()),
      check(() => this.queues.ping()),
      check(() => this.queues.queue(FORECAST_QUEUE).getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed')),
      check(() => this.queues.queue(HEARTBEAT_QUEUE).getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed')),
      this.status.heartbeatsHeardUntil(),
    ]);
    const ok = postgres.ok && redis.ok;
    return {
      status: ok ? 'ok' : 'unhealthy',
      postgres: { ok: postgres.ok, error: postgres.error },
      redis: { ok: redis.ok, error: redis.error },
      // Followers are healthy too: they consume queues and serve reads; the leader also fuses and plans.
      leadership: this.leadership.current(),
      // The city step (every instance keeps the model; steps run where the picture is read) and planning (the leader's).
      fusion: this.fusion.stepStats(),
      planning: this.planning.progress(),
      memory: memoryMb(),
      heartbeats: { heardUntil: heardUntil.toISOString(), behindSeconds: Math.max(0, Math.round((Date.now() - heardUntil.getTime()) / 100) / 10) },
      eventLoop: this.eventLoop.figures(),
      queues: { [FORECAST_QUEUE]: forecasts.value ?? { error: forecasts.error }, [HEARTBEAT_QUEUE]: heartbeats.value ?? { error: heartbeats.error } },
    };
  }
}

/** This process's memory (MB): resident set and V8 heap, for capacity planning and the pipeline benchmark. */
function memoryMb(): { rss: number; heapUsed: number; heapTotal: number; external: number } {
  const m = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external + m.arrayBuffers) };
}

async function check<T>(probe: () => Promise<T>): Promise<{ ok: boolean; value?: T; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    const value = await Promise.race([probe(), timeout]);
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
