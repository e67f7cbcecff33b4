import { DataSource } from 'typeorm';
import { eventually, openDatabase } from '../support/infrastructure';
import { RunningPlatform, startPlatform } from '../support/platform';

interface WorkerHealth {
  crossings: Array<{ crossingId: string; model: { name: string } | null; warmStart: { status: string; reason: string | null; contributors: number | null } | null }>;
}

/**
 * A cold start across the real processes, with Redis as the workers' only link to the
 * city (no fusion address anywhere in their environment): two crossings train their own
 * models and share snapshots, fusion publishes the signed average into Redis, and a third
 * crossing, which cannot train its own model yet, forecasts with the seasonal-naive
 * baseline ("warm-start-unavailable") until the average is there, then warm-starts from it.
 */
describe('federated warm start end to end: donors -> fusion -> Redis -> a new crossing', () => {
  const donors = ['0970', '2000'];
  const newcomer = '3120';
  let platform: RunningPlatform;
  let db: DataSource;

  beforeAll(async () => {
    platform = await startPlatform([...donors, newcomer], {
      workerGroups: [donors, [newcomer]],
      // Two donors are enough here (the default 3 keeps a contributor from reading a single other's weights).
      fusion: { FEDERATION_MIN_CONTRIBUTORS: '2' },
      // The newcomer never reaches its own first training here: only a warm start can give it a model.
      workerEnv: [{}, { MIN_TRAIN_INTERVALS: '100000', WARM_START_FINE_TUNE_EPOCHS: '1' }],
    });
    db = await openDatabase(platform.databaseUrl);
  }, 90_000);

  afterAll(async () => {
    await db?.destroy();
    await platform?.stop();
  }, 60_000);

  const flagsOf = async (crossingId: string, model: string): Promise<string[][]> =>
    (await db.query(`SELECT quality_flags FROM forecasts WHERE crossing_id = $1 AND model_name = $2 ORDER BY based_on_interval_start`, [crossingId, model])).map(
      (r: { quality_flags: string[] }) => r.quality_flags,
    );

  it('forecasts with the baseline while the city has published nothing, then warm-starts from the average of the donors', async () => {
    const newcomerHealth = platform.workerHealthUrl('edge-worker-1');
    const health = await eventually(
      async () => {
        const body = (await (await fetch(newcomerHealth)).json()) as WorkerHealth;
        const crossing = body.crossings.find((c) => c.crossingId === newcomer);
        return crossing?.warmStart?.status === 'used' && crossing.model ? crossing : null;
      },
      'the new crossing warm-started from the published average',
      150_000,
      500,
    ).catch((error) => {
      throw new Error(`${error.message}\n--- platform logs ---\n${platform.logs().slice(-8000)}`);
    });
    expect(health.warmStart).toMatchObject({ status: 'used', reason: null, contributors: 2 });
    expect(health.model?.name).toBe('residual-ensemble');
    // Its forecasts: the baseline saying why (nothing published yet), then the warm-started model.
    const baseline = await flagsOf(newcomer, 'seasonal-naive');
    expect(baseline.some((flags) => flags.includes('warm-start-unavailable'))).toBe(true);
    const warm = await eventually(async () => {
      const rows = await flagsOf(newcomer, 'residual-ensemble');
      return rows.length > 0 ? rows : null;
    }, 'a warm-started forecast stored by fusion', 30_000);
    expect(warm.every((flags) => flags.includes('federated-warm-start'))).toBe(true);
    // The donors trained their own models and shared them; nothing was refused on the way.
    const stored = await db.query(`SELECT crossing_id FROM model_snapshots ORDER BY crossing_id`);
    expect(stored.map((r: { crossing_id: string }) => r.crossing_id)).toEqual(donors);
    expect(await db.query(`SELECT queue, reason FROM dead_letters`)).toEqual([]);
    expect(platform.logs()).toMatch(/\[fusion\].*warm start \S+:warm-start:15m-4h-8l-[0-9a-f]+ published: the average of 2 crossings' snapshots, signed for 40 crossings/);
    expect(platform.logs()).toMatch(new RegExp(`\\[edge-worker-1\\].*${newcomer}: no warm start from the city \\(fusion has published no warm start`));
  }, 180_000);
});
