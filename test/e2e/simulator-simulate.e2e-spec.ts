/**
 * The simulator in simulate mode, as a process, against real Redis: a 2×2 grid writes
 * detector readings in the replay format to each crossing's stream, takes a timing plan
 * from the queue (visible in the next reports' plan id), publishes SimulationReports, and
 * refuses a bad plan (failed job with the reason) without stopping.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import {
  CityDefinitionSchema,
  DetectorReadingSchema,
  SIMULATION_REPORT_QUEUE,
  SimulationReport,
  SignedSimulationReportSchema,
  SimulationReportSchema,
  TIMING_PLAN_QUEUE,
  TimingPlanMessage,
  detectorStreamKey,
  signMessage,
  hasValidSignature,
} from '@crosscast/contracts';
import { DEV_SIMULATOR_LINK_KEY, devPlanJobId } from '../support/forecast-factory';
import { TEST_REDIS_URL, clearRedisPrefix, eventually, freePort, uniqueName } from '../support/infrastructure';

const ROOT = path.resolve(__dirname, '..', '..');
jest.setTimeout(120_000);

interface Metrics {
  phase: string;
  intervalsSimulated: number;
  plansApplied: number;
  plansRefused: number;
  latest: SimulationReport | null;
}

describe('simulator, simulate mode on grid:2x2', () => {
  const prefix = uniqueName('ccsim');
  const cityDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-grid-'));
  let child: ChildProcess;
  let port: number;
  let redis: IORedis;
  let plans: Queue;
  const output: string[] = [];
  const metrics = async (): Promise<Metrics> => (await fetch(`http://127.0.0.1:${port}/metrics`)).json() as Promise<Metrics>;

  beforeAll(async () => {
    const entry = path.join(ROOT, 'dist/apps/simulator/src/main.js');
    if (!fs.existsSync(entry)) throw new Error('dist/apps/simulator/src/main.js is missing: run `npm run build` first (npm test does)');
    port = await freePort();
    child = spawn(process.execPath, ['-r', path.join(ROOT, 'tools/register-aliases.js'), entry], {
      cwd: ROOT,
      env: {
        ...process.env,
        REDIS_URL: TEST_REDIS_URL,
        STREAM_PREFIX: prefix,
        QUEUE_PREFIX: prefix,
        SIMULATOR_MODE: 'simulate',
        SIM_NETWORK: 'grid:2x2',
        SIM_SEED: '7',
        // one 15-minute interval every 0.3 s, after one simulated day of history
        SIM_SPEED: '3000',
        SIM_BACKFILL_DAYS: '1',
        SIM_CITY_OUT: cityDir,
        HEALTH_PORT: String(port),
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    plans = new Queue(TIMING_PLAN_QUEUE, { connection: { host: new URL(TEST_REDIS_URL).hostname, port: Number(new URL(TEST_REDIS_URL).port || 6379) }, prefix });
    await eventually(async () => (await metrics().catch(() => null))?.phase === 'live', `the simulator to go live\n${output.join('\n')}`, 60_000, 300);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([new Promise((resolve) => child.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await plans?.close();
    redis?.disconnect();
    await clearRedisPrefix(prefix);
    fs.rmSync(cityDir, { recursive: true, force: true });
  });

  it('writes each crossing its own readings, in the replay format, one per 15 minutes', async () => {
    const city = CityDefinitionSchema.parse(JSON.parse(fs.readFileSync(path.join(cityDir, 'crossings.json'), 'utf8')));
    expect(city.crossings.map((c) => c.id).sort()).toEqual(['c0_0', 'c0_1', 'c1_0', 'c1_1']);
    for (const crossing of city.crossings) {
      const entries = await redis.xrange(detectorStreamKey(crossing.id, prefix), '-', '+', 'COUNT', 200);
      // the simulated day of history (96 intervals) is there before the live run
      expect(entries.length).toBeGreaterThanOrEqual(96);
      const readings = entries.map(([, fields]) => DetectorReadingSchema.parse(JSON.parse(fields[fields.indexOf('reading') + 1])));
      for (const reading of readings) {
        expect(reading.crossingId).toBe(crossing.id);
        expect(Object.keys(reading.counts).sort()).toEqual(crossing.approaches.map((a) => a.id).sort());
      }
      const starts = readings.map((r) => Date.parse(r.intervalStart));
      expect(starts[0]).toBe(Date.parse('2006-10-08T00:00:00+10:00'));
      starts.slice(1).forEach((t, i) => expect(t - starts[i]).toBe(15 * 60_000));
      // traffic: the day's history carries vehicles on every approach
      const daily = Object.keys(readings[0].counts).map((a) => readings.slice(0, 96).reduce((s, r) => s + (r.counts[a] ?? 0), 0));
      daily.forEach((total) => expect(total).toBeGreaterThan(100));
    }
  });

  it('publishes a SimulationReport per interval and serves the latest at /metrics', async () => {
    const reportQueue = new Queue(SIMULATION_REPORT_QUEUE, { connection: { host: new URL(TEST_REDIS_URL).hostname, port: Number(new URL(TEST_REDIS_URL).port || 6379) }, prefix });
    try {
      const jobs = await eventually(async () => {
        const waiting = await reportQueue.getJobs(['waiting'], 0, 20, true);
        return waiting.length >= 3 ? waiting : null;
      }, 'three simulation reports on the queue');
      for (const job of jobs) {
        // Signed with the street link key (development: derived from the dev seed).
        const report = SignedSimulationReportSchema.parse(job.data);
        expect(hasValidSignature(report, DEV_SIMULATOR_LINK_KEY)).toBe(true);
        expect(report.network).toBe('grid:2x2');
        expect(report.crossings.map((c) => c.crossingId).sort()).toEqual(['c0_0', 'c0_1', 'c1_0', 'c1_1']);
        expect(report.city.throughput).toBe(report.crossings.reduce((s, c) => s + c.throughput, 0));
      }
    } finally {
      await reportQueue.close();
    }
    const { latest } = await metrics();
    const { sig: _sig, ...latestReport } = (latest ?? {}) as SimulationReport & { sig?: string };
    expect(SimulationReportSchema.parse(latestReport).crossings.every((c) => c.planId === 'grid-fixed' || c.planId.startsWith('e2e-'))).toBe(true);
  });

  it('applies an accepted timing plan from the queue at the crossing: the next reports name it', async () => {
    const plan: TimingPlanMessage = {
      v: 1,
      crossingId: 'c0_0',
      planId: 'e2e-plan-1',
      recommendationId: '1',
      cycleSeconds: 80,
      phases: [
        { name: 'north-south', approaches: ['c0_0:N', 'c0_0:S'], greenSeconds: 50 },
        { name: 'east-west', approaches: ['c0_0:E', 'c0_0:W'], greenSeconds: 20 },
      ],
      acceptedBy: 'operator@example.test',
      acceptedAt: '2006-10-09T08:00:00+10:00',
      effectiveFrom: 'next-cycle-boundary',
    };
    const job = await plans.add('timing-plan', signMessage(plan, DEV_SIMULATOR_LINK_KEY), { jobId: devPlanJobId(plan.planId) });
    await eventually(async () => ((await job.isCompleted()) ? true : null), 'the plan job to complete');
    const after = await eventually(async () => {
      const m = await metrics();
      return m.latest?.crossings.find((c) => c.crossingId === 'c0_0')?.planId === 'e2e-plan-1' ? m : null;
    }, 'a report naming plan e2e-plan-1 at c0_0');
    expect(after.plansApplied).toBeGreaterThanOrEqual(1);
    // the other crossings keep their plan
    expect(after.latest!.crossings.filter((c) => c.crossingId !== 'c0_0').every((c) => c.planId === 'grid-fixed')).toBe(true);
  });

  it('refuses a plan that does not fit the crossing: failed job with the reason, and the simulation carries on', async () => {
    const before = await metrics();
    const bad = {
      v: 1,
      crossingId: 'c1_1',
      planId: 'e2e-bad',
      recommendationId: '2',
      cycleSeconds: 60,
      phases: [
        { name: 'north-south', approaches: ['c0_0:N'], greenSeconds: 25 },
        { name: 'east-west', approaches: ['c1_1:E', 'c1_1:W'], greenSeconds: 25 },
      ],
      acceptedBy: 'operator',
      acceptedAt: '2006-10-09T08:00:00+10:00',
      effectiveFrom: 'next-cycle-boundary',
    };
    const job = await plans.add('timing-plan', signMessage(bad, DEV_SIMULATOR_LINK_KEY), { jobId: devPlanJobId(bad.planId) });
    await eventually(async () => ((await job.isFailed()) ? true : null), 'the bad plan job to fail');
    const failed = await plans.getJob(job.id!);
    expect(failed?.failedReason).toMatch(/c0_0:N do not belong to crossing c1_1/);
    expect(failed?.attemptsMade).toBe(1);

    const notAPlan = await plans.add('timing-plan', signMessage({ v: 1, crossingId: 'c1_1', planId: 'x' }, DEV_SIMULATOR_LINK_KEY), { jobId: devPlanJobId('x') });
    await eventually(async () => ((await notAPlan.isFailed()) ? true : null), 'the malformed plan job to fail');
    expect((await plans.getJob(notAPlan.id!))?.failedReason).toMatch(/invalid timing plan: .*cycleSeconds: Invalid input: expected number, received undefined/);

    const later = await eventually(async () => {
      const m = await metrics();
      return m.intervalsSimulated > before.intervalsSimulated + 2 ? m : null;
    }, 'the simulation to carry on');
    expect(later.plansRefused).toBeGreaterThanOrEqual(2);
    expect(later.latest!.crossings.find((c) => c.crossingId === 'c1_1')?.planId).toBe('grid-fixed');
  });
});
