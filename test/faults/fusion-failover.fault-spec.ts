import { io, Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { loginAs } from '../support/auth';
import { eventually, openDatabase } from '../support/infrastructure';
import { RunningPlatform, startPlatform } from '../support/platform';
import { FailoverProxy, startFailoverProxy } from '../support/tcp-proxy';
import { burstOfForecasts, crossingPeriodsAdvisedTwice, enqueueForecasts, recordFaultResult, storedCount, tally, withLogs } from './fault-support';

/**
 * Two fusion instances consume one stream of forecasts; the leader (city fusion and
 * planning) is killed with SIGKILL mid-stream (issue 16, item 3). The other must take over
 * the leadership within 15 s, every forecast must be stored exactly once, planning must run
 * on both sides of the kill and finish every crossing's newest period, no crossing advised
 * twice in one planning period, and a dashboard behind the load balancer must reconnect to
 * the survivor and keep receiving events.
 *
 * What the leader writes per planning period here (SIGNAL_ADVICE=actuated, the default; no
 * automatic mode and no operator, so no decisions and no timing plans published):
 * - `planning_evaluations`, one per crossing and period: its primary key makes a twin
 *   impossible, so the test counts them (before and after the kill) instead;
 * - `corridor_recommendations`, the group advice: unique per corridor *name* and period
 *   (uq_corridor_recommendations_period), which does not stop one crossing being advised in
 *   two rows of one period under two names, e.g. by a new leader re-advising a group the old
 *   one advised, with other members (CorridorPlanningService remembers what it advised in
 *   memory only);
 * - `recommendations` (per-crossing fixed-time plans), only where the group advice was
 *   refused: unique per crossing and period (uq_recommendations_crossing_period).
 * Rows do not record the writer's epoch or instance; that deposed leaders cannot write is
 * test/integration/multi-instance.int-spec.ts's fencing case.
 */
describe('fault: the fusion leader is killed while two instances share the stream', () => {
  const BURST = 4_000;
  /** Fusion's default PLANNING_PERIOD_MINUTES, in seconds. */
  const PLANNING_PERIOD_SECONDS = 15 * 60;
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

  const count = async (sql: string, params: unknown[] = []) => Number((await db.query(sql, params))[0].n);
  const evaluationCount = () => count(`SELECT count(*) AS n FROM planning_evaluations`);
  /** Crossings whose newest stored forecast lies in a planning period with no evaluation (what is left to plan). */
  const unplannedCrossings = () =>
    count(
      `SELECT count(*) AS n FROM (SELECT crossing_id, max(based_on_interval_start) AS newest FROM forecasts GROUP BY crossing_id) f
       WHERE NOT EXISTS (SELECT 1 FROM planning_evaluations e WHERE e.crossing_id = f.crossing_id
         AND e.planning_period_start = to_timestamp(floor(extract(epoch FROM f.newest) / $1) * $1))`,
      [PLANNING_PERIOD_SECONDS],
    );

  it('hands the leadership over within 15 s, loses and doubles nothing, plans on both sides of the kill, and the dashboard carries on', async () => {
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
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    // The burst's first interval (one forecast per crossing) alone first, until the leader has
    // planned it: a burst stored faster than planning runs would otherwise leave nothing
    // planned before the kill. Then the rest; the kill comes mid-stream, before its last
    // interval is stored, so only the survivor can plan that one.
    const inFirstInterval = (m: (typeof messages)[number]) => m.basedOnIntervalStart === messages[0].basedOnIntervalStart;
    const firstInterval = messages.filter(inFirstInterval);
    await enqueueForecasts(redisUrl, platform.prefix, firstInterval);
    await withLogs(eventually(async () => (await storedCount(db, ids)) === firstInterval.length && (await unplannedCrossings()) === 0, 'the leader to plan the first interval', 60_000, 100), platform.logs);
    await enqueueForecasts(redisUrl, platform.prefix, messages.filter((m) => !inFirstInterval(m)));
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
    // The survivor finishes planning: every crossing's newest period evaluated.
    await withLogs(eventually(async () => (await unplannedCrossings()) === 0, "the survivor to plan every crossing's newest period", 120_000, 500), platform.logs);
    const planningRecoverySeconds = (Date.now() - killedAt) / 1000;
    await eventually(async () => connects >= 2 && eventsAfterKill.length > 0, 'the dashboard to reconnect to the survivor and receive events', 30_000).catch((error) => {
      throw new Error(`${error.message}: ${connects} connects, events after the kill: ${eventsAfterKill.slice(0, 10).join(', ')}; connect errors: ${connectErrors.slice(-3).join(' | ')}`);
    });

    const result = await tally(db, ids);
    const kill = new Date(killedAt);
    const planning = {
      evaluations: await evaluationCount(),
      evaluationsBeforeKill: await count(`SELECT count(*) AS n FROM planning_evaluations WHERE evaluated_at < $1`, [kill]),
      evaluationsAfterKill: await count(`SELECT count(*) AS n FROM planning_evaluations WHERE evaluated_at >= $1`, [kill]),
      evaluatedPeriods: await count(`SELECT count(DISTINCT planning_period_start) AS n FROM planning_evaluations`),
      corridorRecommendations: await count(`SELECT count(*) AS n FROM corridor_recommendations`),
      // Before the kill: timing-dependent (a group is advised once all its crossings were planned in one period), so only reported.
      corridorRecommendationsBeforeKill: await count(`SELECT count(*) AS n FROM corridor_recommendations WHERE created_at < $1`, [kill]),
      corridorRecommendationsAfterKill: await count(`SELECT count(*) AS n FROM corridor_recommendations WHERE created_at >= $1`, [kill]),
      crossingRecommendations: await count(`SELECT count(*) AS n FROM recommendations`),
    };
    // One advice per crossing and planning period, in whichever table it is: the unique
    // constraints stop neither a crossing in two corridor recommendations of one period
    // (under two names) nor one with a corridor and a per-crossing recommendation.
    const advisedTwice = await crossingPeriodsAdvisedTwice(db);
    const deadLetters = await count(`SELECT count(*) AS n FROM dead_letters`);
    recordFaultResult({
      scenario: 'fusion leader SIGKILL, two instances',
      ...result,
      recoverySeconds,
      notes:
        `killed the leader after ${before} stored; the survivor led (epoch ${oldEpoch} → ${takeover.epoch}) ${takeoverSeconds.toFixed(1)} s after the kill; ` +
        `dashboard reconnected through the load balancer (${connects} connects, ${eventsAfterKill.length} events after the kill); ` +
        `planning: ${planning.evaluations} evaluations (${planning.evaluationsBeforeKill} before the kill, ${planning.evaluationsAfterKill} after) over ${planning.evaluatedPeriods} periods, ` +
        `every crossing's newest period planned ${planningRecoverySeconds.toFixed(1)} s after the kill, ` +
        `${planning.corridorRecommendations} corridor recommendations (${planning.corridorRecommendationsBeforeKill} before the kill, ${planning.corridorRecommendationsAfterKill} after) and ${planning.crossingRecommendations} crossing recommendations; ` +
        `${advisedTwice} crossing-periods advised twice; ${deadLetters} dead letters`,
      figures: { ...planning, planningRecoverySeconds, crossingPeriodsAdvisedTwice: advisedTwice, deadLetters },
    });
    expect(takeoverSeconds).toBeLessThan(15);
    expect(takeover.epoch).toBeGreaterThan(oldEpoch);
    expect(result).toEqual({ sent: BURST, stored: BURST, lost: 0, duplicated: 0 });
    // Planning ran on both sides of the kill: the old leader's evaluations, then the survivor's.
    expect(planning.evaluationsBeforeKill).toBeGreaterThan(0);
    expect(planning.evaluationsAfterKill).toBeGreaterThan(0);
    // The survivor's group advice ran too (the advice at every crossing here).
    expect(planning.corridorRecommendationsAfterKill).toBeGreaterThan(0);
    expect(advisedTwice).toBe(0);
    expect(deadLetters).toBe(0);
  }, 600_000);
});
