import { Queue, QueueEvents } from 'bullmq';
import { DataSource } from 'typeorm';
import { SIMULATION_REPORT_QUEUE, SimulationReport, SimulationSnapshotView } from '@crosscast/contracts';
import { FusionHarness, RoleFetch, startFusionHarness } from '../support/fusion-harness';
import { OpenApiDocumentLike, answerProblems } from '../support/openapi-conformance';
import { signedAsSimulator } from '../support/forecast-factory';

/**
 * The simulator's measurements reach the operator: a SimulationReport put on its queue is
 * stored once (redelivery changes nothing), served over REST, and a report naming a
 * crossing the city does not have is refused whole with a dead-letter reason.
 */
describe('simulation reports in the fusion service (real PostgreSQL + Redis)', () => {
  let harness: FusionHarness;
  let db: DataSource;
  let reports: Queue;
  let events: QueueEvents;
  let api: RoleFetch;
  let baseUrl: string;

  beforeAll(async () => {
    harness = await startFusionHarness({ name: 'sim' });
    ({ db, baseUrl } = harness);
    api = harness.api.viewer;
    reports = harness.queue(SIMULATION_REPORT_QUEUE);
    events = await harness.queueEvents(SIMULATION_REPORT_QUEUE);
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  }, 60_000);

  const count = async (sql: string) => Number((await db.query(sql))[0].count);

  function report(intervalStart: string, delay0970: number, planId = 'base'): SimulationReport {
    return {
      v: 1,
      network: 'boroondara',
      runId: 'run-1',
      intervalStart,
      intervalMinutes: 15,
      crossings: [
        { crossingId: '0970', throughput: 900, meanDelaySeconds: delay0970, stopsPerVehicle: 0.6, meanQueue: 7.5, maxQueue: 21, planId },
        { crossingId: '2000', throughput: 640, meanDelaySeconds: 18.2, stopsPerVehicle: 0.5, meanQueue: 4, maxQueue: 12, planId: 'base' },
      ],
      city: { throughput: 1540, meanDelaySeconds: 24.1, stopsPerVehicle: 0.56, meanQueue: 11.5, maxQueue: 21, tripsCompleted: 1400, meanTripDelaySeconds: 40.2, vehiclesInside: 310, vehiclesWaitingToEnter: 0 },
    };
  }

  async function deliver(data: unknown, jobId: string): Promise<'completed' | 'failed'> {
    // Signed as the simulator signs (unless a test gives its own signature).
    const signed = data && typeof data === 'object' && !('sig' in data) ? signedAsSimulator(data) : data;
    const job = await reports.add('simulation-report', signed, { jobId });
    return job.waitUntilFinished(events, 30_000).then(
      () => 'completed' as const,
      () => 'failed' as const,
    );
  }

  it('answers null before the simulator reported anything (replay mode)', async () => {
    const response = await api('/api/simulation/latest');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ latest: null });
  });

  it('stores each report once and serves the newest interval and a crossing series', async () => {
    expect(await deliver(report('2006-10-10T08:00:00+10:00', 31.5), 'r-1')).toBe('completed');
    expect(await deliver(report('2006-10-10T08:15:00+10:00', 22.25, 'rec-7'), 'r-2')).toBe('completed');
    // The same report again (a redelivery under another job id): nothing new.
    expect(await deliver(report('2006-10-10T08:15:00+10:00', 22.25, 'rec-7'), 'r-2-again')).toBe('completed');
    expect(await count(`SELECT count(*) FROM simulation_reports`)).toBe(2);
    expect(await count(`SELECT count(*) FROM simulation_measurements`)).toBe(4);

    const { latest } = (await (await api('/api/simulation/latest')).json()) as { latest: SimulationSnapshotView };
    expect(latest).toMatchObject({ runId: 'run-1', network: 'boroondara', intervalStart: '2006-10-09T22:15:00.000Z' });
    expect(latest.crossings.find((c) => c.crossingId === '0970')).toMatchObject({ meanDelaySeconds: 22.25, planId: 'rec-7' });

    const series = await (await api('/api/simulation/crossings/0970?limit=10')).json();
    expect(series.map((m: { meanDelaySeconds: number; planId: string }) => [m.meanDelaySeconds, m.planId])).toEqual([
      [22.25, 'rec-7'],
      [31.5, 'base'],
    ]);
  });

  it('refuses a report naming an unknown crossing, whole, with the reason in the dead letters', async () => {
    const bad = report('2006-10-10T08:30:00+10:00', 20);
    bad.crossings.push({ ...bad.crossings[0], crossingId: 'nowhere' });
    expect(await deliver(bad, 'r-bad')).toBe('failed');
    expect(await count(`SELECT count(*) FROM simulation_reports WHERE interval_start = '2006-10-10T08:30:00+10:00'`)).toBe(0);
    const [letter] = await db.query(`SELECT reason FROM dead_letters WHERE job_id = 'r-bad'`);
    expect(letter.reason).toMatch(/crossings this city does not have: nowhere/);
    expect(await deliver({ v: 1, runId: 'x' }, 'r-malformed')).toBe('failed');
    const [malformed] = await db.query(`SELECT reason FROM dead_letters WHERE job_id = 'r-malformed'`);
    expect(malformed.reason).toMatch(/invalid simulation report: network: Invalid input: expected string, received undefined/);
  });

  it('stores only reports signed with the simulator link key', async () => {
    const unsigned = { ...report('2006-10-10T08:45:00+10:00', 5), sig: undefined };
    delete (unsigned as { sig?: string }).sig;
    const forged = signedAsSimulator(report('2006-10-10T08:45:00+10:00', 5), Buffer.alloc(32, 7));
    const tampered = { ...signedAsSimulator(report('2006-10-10T08:45:00+10:00', 5)), runId: 'run-2' };
    expect(await deliver(forged, 'r-forged')).toBe('failed');
    expect(await deliver(tampered, 'r-tampered')).toBe('failed');
    expect(await deliver({ ...unsigned, sig: 'not-hex' }, 'r-unsigned')).toBe('failed');
    for (const jobId of ['r-forged', 'r-tampered']) {
      const [letter] = await db.query(`SELECT reason FROM dead_letters WHERE job_id = $1`, [jobId]);
      expect({ jobId, reason: letter.reason }).toEqual({ jobId, reason: 'simulation report: signature does not match the simulator link key' });
    }
    expect(await count(`SELECT count(*) FROM simulation_reports WHERE interval_start = '2006-10-10T08:45:00+10:00'`)).toBe(0);
  });

  it('answers 404 for a crossing the city does not have and 400 for a bad limit', async () => {
    expect((await api('/api/simulation/crossings/nowhere')).status).toBe(404);
    expect((await api('/api/simulation/crossings/0970?limit=0')).status).toBe(400);
  });

  it('answers as the OpenAPI document says', async () => {
    const document = (await (await fetch(`${baseUrl}/api/docs-json`)).json()) as OpenApiDocumentLike;
    const problems: string[] = [];
    for (const path of ['/api/simulation/latest', '/api/simulation/crossings/0970?limit=10', '/api/simulation/crossings/nowhere']) {
      const response = await api(path);
      problems.push(...answerProblems(document, 'GET', path, response.status, await response.json()));
    }
    expect(problems).toEqual([]);
    const { latest } = await (await api('/api/simulation/latest')).json();
    expect(latest).not.toBeNull();
  });
});
