import { Queue } from 'bullmq';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { CorridorCrossingView, PhaseTimingView, TIMING_PLAN_QUEUE } from '@crosscast/contracts';
import { PARTITIONED_TABLES } from '@crosscast/persistence';
import { loadCityDefinition } from '@crosscast/seed';
import { CorridorRecommendationsRepository } from '../../apps/fusion/src/repositories/corridor-recommendations.repository';
import { CITY_LEADER_LOCK_KEY, FencedError, LeadershipRepository } from '../../apps/fusion/src/repositories/leadership.repository';
import { RecommendationsRepository } from '../../apps/fusion/src/repositories/recommendations.repository';
import { CorridorDecisionService } from '../../apps/fusion/src/services/corridor-decision.service';
import { LeadershipService } from '../../apps/fusion/src/services/leadership.service';
import { PartitionMaintenanceService } from '../../apps/fusion/src/services/partition-maintenance.service';
import { PlanningService } from '../../apps/fusion/src/services/planning.service';
import { RecommendationService } from '../../apps/fusion/src/services/recommendation.service';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { eventually } from '../support/infrastructure';

/**
 * A deposed leader that has not noticed yet (its lock session ended during a long pause or a
 * cut to PostgreSQL, another instance was elected, its own election check has not run) still
 * believes it leads. Its leader-only writes beyond the fused state and planning, automatic
 * applications (single crossings and corridors) and partition maintenance, are fenced by the
 * epoch in their own transaction: refused, nothing written or published, and it steps down.
 * Each case first shows the same call doing its work while the instance leads.
 */
describe("a deposed leader's automatic applications and partition maintenance are fenced (real PostgreSQL + Redis)", () => {
  const city = loadCityDefinition('seed-data/boroondara-2006');
  const approaches = (id: string) => city.crossings.find((c) => c.id === id)!.approaches.map((a) => a.id);
  let harness: FusionHarness;
  let app: NestExpressApplication;
  let db: DataSource;
  let plans: Queue;
  let leadership: LeadershipService;
  /** Another instance's election, on its own session (as LeadershipService runs it). */
  let usurper: LeadershipRepository;

  beforeAll(async () => {
    // Election checks a minute apart (the most allowed): the instance does not notice the deposition by itself during a case.
    harness = await startFusionHarness({ name: 'fence', env: { LEADER_CHECK_SECONDS: '60', PARTITION_MAINTENANCE_SECONDS: '0', RETENTION_FORECASTS_DAYS: '30' } });
    ({ app, db } = harness);
    plans = harness.queue(TIMING_PLAN_QUEUE);
    leadership = app.get(LeadershipService);
    usurper = new LeadershipRepository(harness.config);
  }, 90_000);

  afterAll(async () => {
    await usurper?.release();
    await harness?.stop();
  }, 60_000);

  const cityEpoch = async () => Number((await db.query(`SELECT epoch FROM leadership WHERE role = 'city'`))[0].epoch);

  /** The instance leads the city's current epoch (taking the lock again if a case deposed it). */
  const lead = async (): Promise<number> => {
    await usurper.release();
    await eventually(async () => {
      await leadership.check();
      return leadership.isLeader() && leadership.current().epoch === (await cityEpoch());
    }, 'the instance to lead the current epoch', 15_000, 100);
    // Taking over starts a planning sweep (it finishes pending automatic applications): let it end first.
    await app.get(PlanningService).whenIdle();
    return leadership.current().epoch;
  };

  /** Its lock session ends under it and another instance is elected; it has not checked since, so it still believes it leads. */
  const depose = async (): Promise<{ led: number; now: number }> => {
    const led = await lead();
    const ended = await db.query(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
      [CITY_LEADER_LOCK_KEY],
    );
    expect(ended).toEqual([{ ended: true }]);
    const now = await eventually(() => usurper.tryAcquire('leader-fence spec: the new leader'), 'another instance to be elected', 15_000, 100);
    expect(now).toBe(led + 1);
    expect(leadership.current()).toMatchObject({ role: 'leader', epoch: led });
    return { led, now };
  };

  const queuedPlanIds = async () => (await plans.getJobs(['waiting', 'delayed', 'paused', 'active', 'completed', 'failed'])).map((j) => j.data.planId as string).sort();

  const phasesOf = (crossingId: string, cycleSeconds: number): PhaseTimingView[] => {
    const ids = approaches(crossingId);
    const half = Math.ceil(ids.length / 2);
    const green = Math.round((cycleSeconds - 12) / 2);
    return [ids.slice(0, half), ids.slice(half)]
      .filter((a) => a.length > 0)
      .map((a, i) => ({ name: i === 0 ? 'NS' : 'EW', approaches: a, flowVehPerHour: 600, saturationFlowVehPerHour: 1800, flowRatio: 0.33, greenSeconds: green }));
  };

  /** A pending recommendation automatic mode decided to apply, not applied yet (as a stopped or deposed leader leaves one). */
  const pendingSingleApply = async (crossingId: string, periodStart: string) => {
    const phases = phasesOf(crossingId, 72);
    const stored = await app.get(RecommendationsRepository).storeEvaluation(
      {
        crossingId,
        planningPeriodStart: new Date(periodStart),
        basedOnIntervalStart: new Date(periodStart),
        forecastMessageId: `${crossingId}:${periodStart}`,
        gainSeconds: 6,
        gainShare: 0.2,
        expectedDelayRunningSeconds: 30,
        expectedDelayRecommendedSeconds: 24,
        basis: 'centre',
        congested: false,
        reason: 'leader-fence spec',
        inputSource: 'fused',
        evaluatedAt: new Date(),
        recommendation: {
          validUntil: new Date(Date.parse(periodStart) + 3_600_000),
          method: 'webster',
          cycleSeconds: 72,
          lostTimeSeconds: 12,
          flowRatioSum: 0.66,
          oversaturated: false,
          phases,
          comparedWith: { source: 'default', planId: null, cycleSeconds: 60, phases: phases.map((p) => ({ name: p.name, greenSeconds: 24 })) },
          automatic: { action: 'apply', note: 'applied automatically: within the guard rails', plan: { cycleSeconds: 72, phases: phases.map((p) => ({ name: p.name, approaches: p.approaches, greenSeconds: p.greenSeconds })) }, clipped: false },
        },
      },
      null,
    );
    if (stored.status !== 'stored' || !stored.recommendation) throw new Error(`fixture not stored: ${stored.status}`);
    return stored.recommendation.id;
  };

  /** A pending corridor recommendation automatic mode decided to apply, not applied yet. */
  const pendingCorridorApply = async (crossingIds: [string, string], periodStart: string) => {
    const corridor = `LEADER FENCE RD: ${crossingIds[0]} → ${crossingIds[1]}`;
    const crossings: CorridorCrossingView[] = crossingIds.map((crossingId, i) => {
      const phases = phasesOf(crossingId, 90).map((p) => ({ name: p.name, approaches: p.approaches, greenSeconds: p.greenSeconds }));
      return {
        crossingId,
        plan: {
          planId: null,
          recommendationId: '0',
          cycleSeconds: 90,
          phases,
          coordination: { corridorRecommendationId: '0', corridor, offsetSeconds: i * 20, coordinatedPhase: 'NS', splitSeconds: phases.map((p) => p.greenSeconds + 6), minGreenSeconds: 7, passageSeconds: 2, amberSeconds: 4, allRedSeconds: 2 },
        },
        linkToNextMetres: i === 0 ? 300 : null,
        expectedDelayRunningSeconds: 30,
        expectedDelayPlanSeconds: 24,
        inputSource: 'fused',
      };
    });
    const stored = await app.get(CorridorRecommendationsRepository).store({
      corridor,
      road: 'LEADER FENCE RD',
      crossingIds,
      planningPeriodStart: new Date(periodStart),
      basedOnIntervalStart: new Date(periodStart),
      validUntil: new Date(Date.parse(periodStart) + 3_600_000),
      cycleSeconds: 90,
      bandwidthSeconds: { outbound: 20, inbound: 15 },
      crossings,
      freeCrossings: [],
      expectedDelayRunningSeconds: 30,
      expectedDelayPlanSeconds: 24,
      gainSeconds: 6,
      gainShare: 0.2,
      reason: 'leader-fence spec',
      createdAt: new Date(),
      automatic: { action: 'apply', note: 'applied automatically: 2 crossings within the guard rails' },
    });
    if (!stored) throw new Error('corridor fixture not stored');
    return stored.id;
  };

  const runningPlansAt = async (crossingIds: string[]) =>
    (await db.query(`SELECT crossing_id, accepted_by FROM running_plans WHERE crossing_id = ANY($1::text[]) ORDER BY crossing_id`, [crossingIds])) as Array<{ crossing_id: string; accepted_by: string }>;

  it("refuses a deposed leader's automatic application of a crossing's recommendation: no decision, no running plan, nothing published", async () => {
    // Leading, the sweep's path applies such a recommendation.
    await lead();
    const applied = await pendingSingleApply('0970', '2006-10-10T08:00:00Z');
    await app.get(RecommendationService).resumeAutomaticApplies();
    expect((await db.query(`SELECT status FROM recommendations WHERE id = $1`, [applied]))[0].status).toBe('applied-automatically');
    expect(await runningPlansAt(['0970'])).toEqual([{ crossing_id: '0970', accepted_by: 'automatic' }]);

    await depose();
    const rec = await pendingSingleApply('2000', '2006-10-10T08:00:00Z');
    const queued = await queuedPlanIds();
    await expect(app.get(RecommendationService).resumeAutomaticApplies()).rejects.toBeInstanceOf(FencedError);
    // Left as it was, for the new leader's sweep to apply: still pending and still to apply, no audit row, no running plan, no plan queued.
    const [row] = await db.query(`SELECT status, automatic FROM recommendations WHERE id = $1`, [rec]);
    expect(row).toMatchObject({ status: 'pending', automatic: { action: 'apply' } });
    expect(await db.query(`SELECT id FROM recommendation_decisions WHERE recommendation_id = $1`, [rec])).toEqual([]);
    expect(await runningPlansAt(['2000'])).toEqual([]);
    expect(await queuedPlanIds()).toEqual(queued);
    // It stepped down at the refusal: nothing leader-only is tried again as leader.
    expect(leadership.isLeader()).toBe(false);
  });

  it("refuses a deposed leader's automatic application of a corridor recommendation: no decision, no running plans, nothing published", async () => {
    await lead();
    const applied = await pendingCorridorApply(['2200', '2820'], '2006-10-10T09:00:00Z');
    await app.get(CorridorDecisionService).resumeAutomaticApplies();
    expect((await db.query(`SELECT status FROM corridor_recommendations WHERE id = $1`, [applied]))[0].status).toBe('applied-automatically');
    expect((await runningPlansAt(['2200', '2820'])).map((r) => r.accepted_by)).toEqual(['automatic', 'automatic']);

    await depose();
    const rec = await pendingCorridorApply(['2825', '2827'], '2006-10-10T09:00:00Z');
    const queued = await queuedPlanIds();
    await expect(app.get(CorridorDecisionService).resumeAutomaticApplies()).rejects.toBeInstanceOf(FencedError);
    const [row] = await db.query(`SELECT status, automatic FROM corridor_recommendations WHERE id = $1`, [rec]);
    expect(row).toMatchObject({ status: 'pending', automatic: { action: 'apply' } });
    expect(await db.query(`SELECT id FROM corridor_decisions WHERE corridor_recommendation_id = $1`, [rec])).toEqual([]);
    expect(await runningPlansAt(['2825', '2827'])).toEqual([]);
    expect(await queuedPlanIds()).toEqual(queued);
    expect(leadership.isLeader()).toBe(false);
  });

  it("refuses a deposed leader's partition maintenance: it creates and drops nothing", async () => {
    const forecastRow = (messageId: string, basedOn: string, seq: number) =>
      db.query(
        `INSERT INTO forecasts (message_id, crossing_id, seq, based_on_interval_start, interval_minutes, model_name, model_version, model_backend,
           trained_on_intervals, real_input_share, quality_flags, sent_at, received_at)
         VALUES ($1, '3120', $2, $3, 15, 'profile', 1, 'cpu', 0, 1, '[]', $3, $3)`,
        [messageId, seq, basedOn],
      );
    const partitions = async () => {
      const all: Record<string, string[]> = {};
      for (const { table } of PARTITIONED_TABLES) {
        const rows = (await db.query(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`, [table])) as Array<{ name: string }>;
        all[table] = rows.map((r) => r.name);
      }
      return all;
    };
    const rowsIn = async (partition: string) => Number((await db.query(`SELECT count(*) AS n FROM "${partition}" WHERE crossing_id = '3120'`))[0].n);

    // Leading, maintenance gives a month that landed in DEFAULT its partition.
    await lead();
    await forecastRow('leader-fence:oct', '2006-10-15T08:00:00Z', 1);
    expect((await app.get(PartitionMaintenanceService).maintain()).created).toContain('forecasts 2006-10');
    expect(await rowsIn('forecasts_p200610')).toBe(1);

    await depose();
    // December data: a leader's pass would give December its partition and drop October (30 days' retention back from 5 December).
    await forecastRow('leader-fence:dec', '2006-12-05T08:00:00Z', 2);
    const before = await partitions();
    await expect(app.get(PartitionMaintenanceService).maintain()).rejects.toBeInstanceOf(FencedError);
    expect(await partitions()).toEqual(before);
    expect(before.forecasts).toContain('forecasts_p200610');
    expect(before.forecasts).not.toContain('forecasts_p200612');
    expect(await rowsIn('forecasts_p200610')).toBe(1);
    expect(await rowsIn('forecasts_default')).toBe(1);
    expect(leadership.isLeader()).toBe(false);
  });
});
