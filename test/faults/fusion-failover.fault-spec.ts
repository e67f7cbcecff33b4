import { io, Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { loginAs } from '../support/auth';
import { eventually, openDatabase } from '../support/infrastructure';
import { RunningPlatform, startPlatform } from '../support/platform';
import { FailoverProxy, startFailoverProxy } from '../support/tcp-proxy';
import { burstOfForecasts, enqueueForecasts, recordFaultResult, storedCount, tally, withLogs } from './fault-support';

/**
 * Two fusion instances consume one stream of forecasts; the leader (city fusion and
 * planning) is killed with SIGKILL mid-stream (issue 16, item 3). The other must take over
 * the leadership within 15 s, every forecast must be stored exactly once, no crossing and
 * interval recommended twice, and a dashboard behind the load balancer must reconnect to
 * the survivor and keep receiving events.
 */
describe('fault: the fusion leader is killed while two instances share the stream', () => {
  const BURST = 4_000;
  let platform: RunningPlatform;
  let proxy: FailoverProxy;
  let db: DataSource;
  let dashboard: Socket | null = null;

  beforeAll(async () => {
    platform = await startPlatform([], { simulator: false, workerGroups: [], fusionInstances: 2, fusion: { LEADER_CHECK_SECONDS: '1' } });
    db = await openDatabase(platform.databaseUrl);
  }, 120_000);

  afterAll(async () => {
    dashboard?.close();
    await proxy?.close();
    await db?.destroy();
    await platform?.stop();
  }, 60_000);

  const leadershipOf = async (url: string) => {
    try {
      return ((await (await fetch(`${url}/health`)).json()) as { leadership: { role: string; epoch: number } }).leadership;
    } catch {
      return null;
    }
  };

  it('hands the leadership over within 15 s, loses and doubles nothing, and the dashboard carries on', async () => {
    const names = ['fusion', 'fusion-2'];
    const roles = await Promise.all(platform.fusionUrls.map(leadershipOf));
    const leaderIndex = roles.findIndex((r) => r?.role === 'leader');
    expect(roles.filter((r) => r?.role === 'leader')).toHaveLength(1);
    const survivorUrl = platform.fusionUrls[1 - leaderIndex];

    // A dashboard through the load balancer, on the leader (its first upstream), so the kill cuts it.
    const portOf = (url: string) => Number(new URL(url).port);
    proxy = await startFailoverProxy([portOf(platform.fusionUrls[leaderIndex]), portOf(survivorUrl)]);
    const token = await loginAs(proxy.url, 'viewer');
    let connects = 0;
    const eventsAfterKill: string[] = [];
    let killed = false;
    const connectErrors: string[] = [];
    dashboard = io(proxy.url, { transports: ['websocket'], auth: { token }, reconnectionDelay: 200, reconnectionDelayMax: 1000 });
    dashboard.on('connect', () => {
      connects++;
      dashboard!.emit('subscribe-crossing', { crossingId: '0970' });
    });
    dashboard.on('connect_error', (error) => connectErrors.push(error.message));
    dashboard.io.on('reconnect_attempt', () => connectErrors.push('reconnect attempt'));
    dashboard.on('disconnect', (reason) => connectErrors.push(`disconnect: ${reason}`));
    dashboard.onAny((event: string) => {
      if (killed) eventsAfterKill.push(event);
    });
    await eventually(async () => connects > 0, 'the dashboard to connect', 15_000);

    const messages = burstOfForecasts(BURST);
    const ids = messages.map((m) => m.messageId);
    await enqueueForecasts(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', platform.prefix, messages);
    const before = await withLogs(eventually(async () => {
      const n = await storedCount(db, ids);
      return n >= 800 ? n : null;
    }, '800 forecasts stored before the kill', 180_000, 100), platform.logs);

    const oldEpoch = roles[leaderIndex]!.epoch;
    await platform.kill(names[leaderIndex], 'SIGKILL');
    killed = true;
    const killedAt = Date.now();
    const takeover = await withLogs(eventually(async () => {
      const role = await leadershipOf(survivorUrl);
      return role?.role === 'leader' ? role : null;
    }, 'the survivor to lead', 30_000, 100), platform.logs);
    const takeoverSeconds = (Date.now() - killedAt) / 1000;

    await withLogs(eventually(async () => (await storedCount(db, ids)) >= BURST, `all ${BURST} forecasts stored`, 300_000, 500), platform.logs);
    const recoverySeconds = (Date.now() - killedAt) / 1000;
    await eventually(async () => connects >= 2 && eventsAfterKill.length > 0, 'the dashboard to reconnect to the survivor and receive events', 30_000).catch((error) => {
      throw new Error(`${error.message}: ${connects} connects, events after the kill: ${eventsAfterKill.slice(0, 10).join(', ')}; connect errors: ${connectErrors.slice(-3).join(' | ')}`);
    });

    const result = await tally(db, ids);
    const doubleRecommendations = Number(
      (await db.query(`SELECT count(*) AS n FROM (SELECT 1 FROM recommendations GROUP BY crossing_id, based_on_interval_start HAVING count(*) > 1) d`))[0].n,
    );
    const deadLetters = Number((await db.query(`SELECT count(*) AS n FROM dead_letters`))[0].n);
    recordFaultResult({
      scenario: 'fusion leader SIGKILL, two instances',
      ...result,
      recoverySeconds,
      notes: `killed the leader after ${before} stored; the survivor led (epoch ${oldEpoch} → ${takeover.epoch}) ${takeoverSeconds.toFixed(1)} s after the kill; dashboard reconnected through the load balancer (${connects} connects, ${eventsAfterKill.length} events after the kill); ${doubleRecommendations} crossing-intervals recommended twice; ${deadLetters} dead letters`,
    });
    expect(takeoverSeconds).toBeLessThan(15);
    expect(takeover.epoch).toBeGreaterThan(oldEpoch);
    expect(result).toEqual({ sent: BURST, stored: BURST, lost: 0, duplicated: 0 });
    expect(doubleRecommendations).toBe(0);
    expect(deadLetters).toBe(0);
  }, 600_000);
});
