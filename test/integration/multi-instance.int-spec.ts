import { Queue } from 'bullmq';
import { NestExpressApplication } from '@nestjs/platform-express';
import { io, Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { FORECAST_QUEUE } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { FencedError, LeadershipRepository } from '../../apps/fusion/src/repositories/leadership.repository';
import { LeadershipService } from '../../apps/fusion/src/services/leadership.service';
import { CityFusionService } from '../../apps/fusion/src/services/city-fusion.service';
import { PlanningService } from '../../apps/fusion/src/services/planning.service';
import { ForecastStoreRepository } from '../../apps/fusion/src/repositories/forecast-store.repository';
import { forecastMessage } from '../support/forecast-factory';
import { loginAs } from '../support/auth';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { eventually } from '../support/infrastructure';

/**
 * Two fusion instances on one PostgreSQL and one Redis (issue 16, item 3): exactly one
 * leads the city-wide steps, elected with an advisory lock; its writes are fenced by epoch;
 * when it goes, the other takes over; socket.io events reach clients of either instance
 * through the Redis adapter; rate limits are counted in Redis for both instances together.
 */
describe('several fusion instances (real PostgreSQL + Redis)', () => {
  const city = loadCityDefinition('seed-data/boroondara-2006');
  const crossing = city.crossings.find((c) => c.id === '0970')!;
  let harness: FusionHarness;
  const apps: NestExpressApplication[] = [];
  const urls: string[] = [];
  const sockets: Socket[] = [];
  let db: DataSource;
  let forecasts: Queue;

  beforeAll(async () => {
    harness = await startFusionHarness({ name: 'multi', env: { LEADER_CHECK_SECONDS: '1' } });
    apps.push(harness.app);
    urls.push(harness.baseUrl);
    const second = await harness.startInstance();
    apps.push(second.app);
    urls.push(second.baseUrl);
    db = harness.db;
    forecasts = harness.queue(FORECAST_QUEUE);
  }, 90_000);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await harness?.stop();
  }, 60_000);

  const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as { leadership: { role: string; epoch: number; instance: string } };

  it('elects exactly one leader, and /health says which', async () => {
    const roles = [await health(urls[0]), await health(urls[1])].map((h) => h.leadership.role).sort();
    expect(roles).toEqual(['follower', 'leader']);
    const row = (await db.query(`SELECT epoch, holder FROM leadership WHERE role = 'city'`))[0];
    const leader = [await health(urls[0]), await health(urls[1])].find((h) => h.leadership.role === 'leader')!;
    expect(Number(row.epoch)).toBe(leader.leadership.epoch);
    expect(row.holder).toBe(leader.leadership.instance);
  });

  it('delivers an event from whichever instance stored the forecast to dashboards on both', async () => {
    const token = await loginAs(urls[0], 'viewer');
    const received: string[][] = [[], []];
    for (let i = 0; i < 2; i++) {
      const socket = io(urls[i], { transports: ['websocket'], auth: { token }, reconnection: false });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('snapshot', () => resolve());
        socket.once('connect_error', reject);
      });
      socket.emit('subscribe-crossing', { crossingId: crossing.id });
      socket.on('forecast', (view: { messageId: string }) => received[i].push(view.messageId));
    }
    const messages = [0, 1, 2, 3].map((i) => forecastMessage(crossing.id, crossing.approaches.map((a) => a.id), `2006-10-10T0${i}:00:00+11:00`, { seq: 10 + i }));
    for (const [i, message] of messages.entries()) await forecasts.add('forecast', message, { jobId: `multi-${i}` });
    const ids = messages.map((m) => m.messageId).sort();
    await eventually(async () => received[0].length >= 4 && received[1].length >= 4, 'both dashboards to receive all four forecasts', 30_000);
    expect([...new Set(received[0])].sort()).toEqual(ids);
    expect([...new Set(received[1])].sort()).toEqual(ids);
    // Each stored once, whichever instance consumed it, and fed to both instances' city models.
    expect(Number((await db.query(`SELECT count(*) FROM forecasts WHERE crossing_id = $1`, [crossing.id]))[0].count)).toBe(4);
    await eventually(async () => apps.every((app) => app.get(CityFusionService).fedCount === 4), 'both city models to be fed all four forecasts', 10_000).catch((error) => { throw new Error(`${error.message}: fed ${apps.map((app) => app.get(CityFusionService).fedCount).join(', ')}`); });
    // Only the leader saves the state.
    const leader = apps.find((app) => app.get(LeadershipService).isLeader())!;
    const follower = apps.find((app) => !app.get(LeadershipService).isLeader())!;
    await follower.get(CityFusionService).saveIfChanged();
    expect(Number((await db.query(`SELECT count(*) AS n FROM fusion_state`))[0].n)).toBe(0);
    await leader.get(CityFusionService).saveIfChanged();
    expect(Number((await db.query(`SELECT count(*) AS n FROM fusion_state`))[0].n)).toBe(1);
    // Only the leader plans, from the newest forecast, whichever instance stored it.
    await leader.get(PlanningService).whenIdle();
    const evaluations = await db.query(`SELECT forecast_message_id FROM planning_evaluations WHERE crossing_id = $1 AND based_on_interval_start = $2`, [crossing.id, messages[3].basedOnIntervalStart]);
    expect(evaluations.map((e: { forecast_message_id: string }) => e.forecast_message_id)).toEqual([messages[3].messageId]);
    expect(follower.get(PlanningService).progress().evaluated).toBe(0);
  }, 60_000);

  it('counts one user’s writes on both instances together: the write over the limit gets 429 though neither instance saw the limit', async () => {
    // The limit lives in Redis (RedisThrottlerStorage, keys under QUEUE_PREFIX), not in each instance.
    const limit = harness.config.WRITE_RATE_LIMIT;
    const token = await loginAs(urls[0], 'operator');
    // Accepting a recommendation that does not exist: a write the limit counts (it is checked before the handler) that changes nothing.
    const write = (instance: number) =>
      fetch(`${urls[instance]}/api/recommendations/999999/accept`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    const statuses: number[] = [];
    // Alternating: each instance sees about half of them, well under the limit.
    for (let i = 0; i < limit; i++) statuses.push((await write(i % 2)).status);
    expect(statuses).toEqual(Array.from({ length: limit }, () => 404));
    const over = await write(limit % 2);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user's writes are counted apart.
    const adminWrite = await fetch(`${urls[1]}/api/recommendations/999999/accept`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await loginAs(urls[1], 'admin')}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(adminWrite.status).toBe(404);
  });

  it('fences a deposed leader and hands over to the other instance when the leader goes', async () => {
    const states = apps.map((app) => app.get(LeadershipService).current());
    const leaderIndex = states.findIndex((s) => s.role === 'leader');
    const followerIndex = 1 - leaderIndex;
    const oldEpoch = states[leaderIndex].epoch;
    const survivor = apps[followerIndex];

    // The leader's writes pass the fence; a follower's do not.
    await db.transaction((manager) => apps[leaderIndex].get(LeadershipService).assertLeading(manager));
    await expect(db.transaction((manager) => survivor.get(LeadershipService).assertLeading(manager))).rejects.toBeInstanceOf(FencedError);

    // A forecast stored where no planning heard of it (as if its instance died right after the
    // commit): the next leader's sweep finds it in PostgreSQL and plans from it.
    const orphan = forecastMessage(crossing.id, crossing.approaches.map((a) => a.id), '2006-10-10T04:00:00+11:00', { seq: 20 });
    expect((await survivor.get(ForecastStoreRepository).storeForecasts([orphan], new Date()))[0]).toMatchObject({ stored: true });

    const started = Date.now();
    await apps[leaderIndex].close();
    await eventually(async () => survivor.get(LeadershipService).isLeader(), 'the other instance to take over', 15_000);
    const tookOverMs = Date.now() - started;
    expect(tookOverMs).toBeLessThan(15_000);
    const newEpoch = survivor.get(LeadershipService).current().epoch;
    expect(newEpoch).toBeGreaterThan(oldEpoch);
    expect((await health(urls[followerIndex])).leadership).toMatchObject({ role: 'leader', epoch: newEpoch });
    // A write carrying the old epoch is refused.
    await expect(db.transaction((manager) => survivor.get(LeadershipRepository).assertEpoch(manager, oldEpoch))).rejects.toThrow(/fenced: this instance led epoch/);
    await db.transaction((manager) => survivor.get(LeadershipService).assertLeading(manager));
    await survivor.get(PlanningService).whenIdle();
    const [swept] = await db.query(`SELECT forecast_message_id FROM planning_evaluations WHERE crossing_id = $1 AND based_on_interval_start = $2`, [crossing.id, orphan.basedOnIntervalStart]);
    expect(swept).toEqual({ forecast_message_id: orphan.messageId });
  }, 30_000);
});
