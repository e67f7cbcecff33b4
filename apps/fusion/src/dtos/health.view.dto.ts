import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { EventLoopFigures } from '../services/event-loop-monitor';
import type { LeadershipState } from '../services/leadership.service';

export class DependencyHealthDto {
  @ApiProperty() ok: boolean;
  @ApiPropertyOptional({ description: 'Why the check failed (absent when ok)' }) error?: string;
}

export class LeadershipDto implements LeadershipState {
  @ApiProperty({ enum: ['leader', 'follower'] }) role: 'leader' | 'follower';
  @ApiProperty({ type: 'integer', description: 'The epoch this instance leads, or last saw led; 0 = none yet' }) epoch: number;
  @ApiProperty() instance: string;
  @ApiProperty({ format: 'date-time' }) since: string;
}

export class FusionStepsDto {
  @ApiProperty({ type: 'integer' }) steps: number;
  @ApiProperty({ type: Number, nullable: true }) meanStepMs: number | null;
  @ApiProperty({ type: Number, nullable: true }) lastStepMs: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) fusedThrough: string | null;
}

export class PlanningProgressDto {
  @ApiProperty({ type: 'integer', description: 'Crossings waiting to be planned' }) waiting: number;
  @ApiProperty({ type: 'integer' }) evaluated: number;
}

/** This process's memory, MB. */
export class ProcessMemoryDto {
  @ApiProperty({ type: 'integer', description: 'Resident set size' }) rss: number;
  @ApiProperty({ type: 'integer', description: 'V8 heap in use' }) heapUsed: number;
  @ApiProperty({ type: 'integer', description: 'V8 heap reserved' }) heapTotal: number;
  @ApiProperty({ type: 'integer', description: 'Memory outside the V8 heap (buffers, array buffers)' }) external: number;
}

/** Fusion's event loop over the last window (EventLoopMonitor): how long ready work waited behind long steps. */
export class EventLoopDto implements EventLoopFigures {
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the window closed; null for the first window, still open just after start-up' }) windowEndedAt: string | null;
  @ApiProperty({ description: 'Seconds the figures cover (the last full window)' }) windowSeconds: number;
  @ApiProperty({ description: 'Median delay of the loop\'s timer ticks, ms: how long a ready request or socket event waited' }) delayP50Ms: number;
  @ApiProperty({ description: '99th percentile of that delay, ms' }) delayP99Ms: number;
  @ApiProperty({ description: 'Longest delay in the window, ms (the longest synchronous step)' }) delayMaxMs: number;
  @ApiProperty({ description: 'Share of the window the loop was running JavaScript (0–1); near 1 means fusion is saturated' }) busyShare: number;
}

/** A queue's job counts by state, or why they could not be read. */
export class QueueCountsDto {
  @ApiPropertyOptional({ type: 'integer' }) waiting?: number;
  @ApiPropertyOptional({ type: 'integer' }) active?: number;
  @ApiPropertyOptional({ type: 'integer' }) completed?: number;
  @ApiPropertyOptional({ type: 'integer' }) failed?: number;
  @ApiPropertyOptional({ type: 'integer' }) delayed?: number;
  @ApiPropertyOptional({ type: 'integer', description: 'Waiting jobs of a paused queue (BullMQ counts them apart)' }) paused?: number;
  @ApiPropertyOptional({ description: 'Set instead of the counts when Redis did not answer' }) error?: string;
}

/** How far fusion has heard workers' heartbeats: offline is judged at `heardUntil`, not at the clock. */
export class HeartbeatHorizonDto {
  @ApiProperty({ format: 'date-time', description: 'The clock, or, while heartbeats wait in the queue, when the oldest waiting or running one was enqueued' }) heardUntil: string;
  @ApiProperty({ description: 'How far fusion is behind its workers\' heartbeats (0 when nothing waits)' }) behindSeconds: number;
}

/** GET /health (200 when PostgreSQL and Redis answer, else 503 with the same body). */
@ApiExtraModels(QueueCountsDto)
export class HealthReportDto {
  @ApiProperty({ enum: ['ok', 'unhealthy'] }) status: string;
  @ApiProperty({ type: () => DependencyHealthDto }) postgres: DependencyHealthDto;
  @ApiProperty({ type: () => DependencyHealthDto }) redis: DependencyHealthDto;
  @ApiProperty({ type: () => LeadershipDto }) leadership: LeadershipDto;
  @ApiProperty({ type: () => FusionStepsDto }) fusion: FusionStepsDto;
  @ApiProperty({ type: () => PlanningProgressDto }) planning: PlanningProgressDto;
  @ApiProperty({ type: () => ProcessMemoryDto }) memory: ProcessMemoryDto;
  @ApiProperty({ type: () => HeartbeatHorizonDto }) heartbeats: HeartbeatHorizonDto;
  @ApiProperty({ type: () => EventLoopDto }) eventLoop: EventLoopDto;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(QueueCountsDto) }, description: 'Per queue name' }) queues: Record<string, QueueCountsDto>;
}
