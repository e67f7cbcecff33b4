import { Queue } from 'bullmq';
import { HEARTBEAT_QUEUE } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { StatusService } from '../../apps/fusion/src/services/status.service';
import { heartbeatMessage } from '../support/forecast-factory';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { eventually } from '../support/infrastructure';

/**
 * Offline is judged at the time fusion has heard heartbeats up to (real PostgreSQL and
 * Redis): while heartbeats wait in fusion's own queue, its workers are not called offline
 * however long the backlog lasts; once it drains they are fresh; a worker that really
 * stopped still turns offline while the others keep the horizon moving.
 */
describe('heartbeat backlog vs offline (real PostgreSQL + Redis)', () => {
  const city = loadCityDefinition('seed-data/boroondara-2006');
  const [a, b] = city.crossings;
  const OFFLINE_AFTER_S = 3;
  let harness: FusionHarness;
  let heartbeats: Queue;
  let status: StatusService;
  let seq = 0;

  beforeAll(async () => {
    harness = await startFusionHarness({ name: 'hbbacklog', env: { OFFLINE_AFTER_SECONDS: String(OFFLINE_AFTER_S) } });
    heartbeats = harness.queue(HEARTBEAT_QUEUE);
    status = harness.app.get(StatusService);
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  }, 60_000);

  const beat = (...ids: string[]) => Promise.all(ids.map((id) => heartbeats.add('heartbeat', heartbeatMessage(id, { seq: ++seq, sentAt: new Date().toISOString() }))));
  const freshnessOf = async (id: string) => (await status.statuses()).statuses.find((s) => s.crossingId === id)!.freshness;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const health = async () => (await (await fetch(`${harness.baseUrl}/health`)).json()) as { heartbeats: { heardUntil: string; behindSeconds: number } };

  it('does not call workers offline while their heartbeats wait in fusion\'s queue, and does once a worker really stops', async () => {
    await beat(a.id, b.id);
    await eventually(async () => (await freshnessOf(a.id)) !== 'unknown' && (await freshnessOf(b.id)) !== 'unknown', 'first heartbeats stored');
    expect(await freshnessOf(a.id)).not.toBe('offline');

    // Fusion stops consuming (paused: as if it fell far behind) while both workers keep beating.
    await heartbeats.pause();
    const pausedAt = Date.now();
    while (Date.now() - pausedAt < (OFFLINE_AFTER_S + 3) * 1000) {
      await beat(a.id, b.id);
      await sleep(500);
    }
    // Their newest stored heartbeat is older than the limit, but newer ones wait in the queue.
    const lastStored = (await harness.db.query(`SELECT max(last_heartbeat_at) AS at FROM crossing_status WHERE crossing_id = ANY($1)`, [[a.id, b.id]]))[0].at as Date;
    expect(Date.now() - lastStored.getTime()).toBeGreaterThan(OFFLINE_AFTER_S * 1000);
    await sleep(1100); // past the horizon's one-second cache
    expect(await freshnessOf(a.id)).not.toBe('offline');
    expect(await freshnessOf(b.id)).not.toBe('offline');
    const behind = await health();
    expect(behind.heartbeats.behindSeconds).toBeGreaterThan(OFFLINE_AFTER_S);

    // The backlog drains: nobody was offline, and fusion is no longer behind.
    await heartbeats.resume();
    await beat(a.id, b.id);
    await eventually(async () => (await heartbeats.getWaitingCount()) + (await heartbeats.getActiveCount()) === 0, 'backlog drained');
    await sleep(1100);
    expect(await freshnessOf(a.id)).not.toBe('offline');
    expect(await freshnessOf(b.id)).not.toBe('offline');
    expect((await health()).heartbeats.behindSeconds).toBeLessThan(2);

    // Worker b stops; a keeps beating: b turns offline, a does not.
    const stoppedAt = Date.now();
    while (Date.now() - stoppedAt < (OFFLINE_AFTER_S + 2) * 1000) {
      await beat(a.id);
      await sleep(500);
    }
    await eventually(async () => (await freshnessOf(b.id)) === 'offline', 'the stopped worker offline', 10_000);
    expect(await freshnessOf(a.id)).not.toBe('offline');
  }, 90_000);
});
