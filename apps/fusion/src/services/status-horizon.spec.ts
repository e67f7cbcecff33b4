import { Logger } from '@nestjs/common';
import { FusionConfig } from '../config';
import { ClockRepository } from '../repositories/clock.repository';
import { QueueRepository } from '../repositories/queue.repository';
import { StatusService } from './status.service';

/** A clock the spec moves, and a heartbeat backlog whose reads answer when the spec says. */
function setUp() {
  let nowMs = Date.parse('2026-12-06T12:00:00Z');
  const clock = { now: () => new Date(nowMs) } as ClockRepository;
  const reads: Array<{ resolve: (oldest: number | null) => void; reject: (error: Error) => void }> = [];
  const queues = {
    oldestPendingEnqueuedAtMs: () => new Promise<number | null>((resolve, reject) => reads.push({ resolve, reject })),
  } as unknown as QueueRepository;
  const config = { OFFLINE_AFTER_SECONDS: 30 } as FusionConfig;
  const service = new StatusService(config, null as never, null as never, clock, queues);
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  return { service, reads, advance: (ms: number) => (nowMs += ms), now: () => nowMs, flush };
}

describe('heartbeat horizon (StatusService.heartbeatsHeardUntil)', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('is the oldest waiting heartbeat, and keeps using the last answer while a slow read is in flight', async () => {
    const { service, reads, advance, now, flush } = setUp();
    const first = service.heartbeatsHeardUntil();
    const backlogSince = now() - 40_000;
    reads[0].resolve(backlogSince);
    expect((await first).getTime()).toBe(backlogSince);
    advance(1500);
    // A second read starts and does not answer (fusion busy, Redis slow): the last answer stands, nobody waits for it.
    const started = Date.now();
    expect((await service.heartbeatsHeardUntil()).getTime()).toBe(backlogSince);
    expect(Date.now() - started).toBeLessThan(150);
    expect(reads).toHaveLength(2);
    // Its late answer is kept.
    reads[1].resolve(backlogSince + 10_000);
    await flush();
    expect((await service.heartbeatsHeardUntil()).getTime()).toBe(backlogSince + 10_000);
  });

  it('is the clock when nothing waits', async () => {
    const { service, reads, now } = setUp();
    const answer = service.heartbeatsHeardUntil();
    reads[0].resolve(null);
    expect((await answer).getTime()).toBe(now());
  });

  it('falls back to the clock once the last answer is older than the offline limit, or when there never was one', async () => {
    const { service, reads, advance, now, flush } = setUp();
    // No answer within the wait: the clock.
    expect((await service.heartbeatsHeardUntil()).getTime()).toBe(now());
    reads[0].resolve(now() - 60_000);
    await flush();
    expect((await service.heartbeatsHeardUntil()).getTime()).toBe(now() - 60_000);
    // Redis gone: every read fails; the answer is trusted for 30 s, then the clock.
    advance(20_000);
    expect((await service.heartbeatsHeardUntil()).getTime()).toBe(now() - 80_000);
    reads[reads.length - 1].reject(new Error('Connection is closed.'));
    await flush();
    advance(11_000);
    const late = service.heartbeatsHeardUntil();
    reads[reads.length - 1].reject(new Error('Connection is closed.'));
    expect((await late).getTime()).toBe(now());
  });
});
