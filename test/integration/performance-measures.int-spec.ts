import { Queue, QueueEvents } from 'bullmq';
import { DataSource } from 'typeorm';
import { NestExpressApplication } from '@nestjs/platform-express';
import { CrossingMeasuresView, SIGNAL_EVENT_LOG_QUEUE, SignalEventLogMessage, crossingMeasuresPath } from '@crosscast/contracts';
import { computeMeasures } from '@crosscast/performance-measures';
import { FixedTimePlan } from '@crosscast/simulation';
import { SignalEventLogPublisher } from '../../apps/simulator/src/queue/signal-event-log.publisher';
import { loadSimCity } from '../../apps/simulator/src/services/sim-city.loader';
import { SimulatedStreet } from '../../apps/simulator/src/services/simulated-street';
import { authedFetch } from '../support/auth';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { OpenApiDocumentLike, answerProblems } from '../support/openapi-conformance';
import { DEV_SIMULATOR_LINK_KEY, signedAsSimulator } from '../support/forecast-factory';
import { TEST_REDIS_URL, eventually } from '../support/infrastructure';

/**
 * The simulator path end to end in one process: the simulated Boroondara street (the
 * simulator's SimulatedStreet with event logs on) → its SignalEventLogPublisher on real
 * Redis → fusion's consumer → PostgreSQL → GET /api/crossings/:id/measures. The served
 * numbers are checked against the crossing's timing plan and a direct count of the
 * published events.
 */
describe('performance measures from the simulator path (real PostgreSQL + Redis)', () => {
  let harness: FusionHarness;
  let prefix: string;
  const ORIGIN = Date.parse('2006-10-10T00:00:00+10:00');
  const MIN15 = 15 * 60_000;
  let app: NestExpressApplication;
  let db: DataSource;
  let queue: Queue;
  let events: QueueEvents;
  let publisher: SignalEventLogPublisher;
  let baseUrl: string;
  let api: ReturnType<typeof authedFetch>;
  let published: SignalEventLogMessage[] = [];
  let plans: Map<string, FixedTimePlan>;
  const count = async (sql: string) => Number((await db.query(sql))[0].count);

  beforeAll(async () => {
    harness = await startFusionHarness({ name: 'pm' });
    ({ app, db, baseUrl, prefix } = harness);
    api = harness.api.operator;
    queue = harness.queue(SIGNAL_EVENT_LOG_QUEUE);
    events = await harness.queueEvents(SIGNAL_EVENT_LOG_QUEUE);
    publisher = new SignalEventLogPublisher(TEST_REDIS_URL, prefix, DEV_SIMULATOR_LINK_KEY);

    // 06:00-07:30 of a simulated Tuesday: intervals 24-29 published, as the simulator publishes them.
    const loaded = loadSimCity('boroondara', 'seed-data/boroondara-2006', 1);
    plans = new Map(loaded.sim.network.crossings.map((c) => [c.id, (c.control as { plan: FixedTimePlan }).plan]));
    const street = new SimulatedStreet(loaded.sim, { seed: 1, originMs: ORIGIN, intervalMinutes: loaded.intervalMinutes, dailyDemand: loaded.dailyDemand, runId: 'pm-run', eventLogs: true });
    for (let i = 0; i < 31; i++) {
      const interval = street.advance();
      const logs = interval.eventLogs.filter((m) => Date.parse(m.intervalStart) >= ORIGIN + 24 * MIN15);
      published.push(...logs);
      await publisher.publish(logs);
    }
    await eventually(async () => (await count(`SELECT count(*) FROM signal_event_logs`)) === published.length, 'all published logs stored', 90_000);
  }, 180_000);

  afterAll(async () => {
    await publisher?.close();
    await harness?.stop();
  }, 60_000);

  const crossingsOf = () => [...new Set(published.map((m) => m.crossingId))];

  it('stores every published log once', async () => {
    expect(published.length).toBe(6 * crossingsOf().length);
    expect(crossingsOf().length).toBeGreaterThan(30);
    expect(await count(`SELECT count(*) FROM signal_event_logs`)).toBe(published.length);
    expect(await count(`SELECT count(DISTINCT (crossing_id, interval_start)) AS count FROM signal_event_logs`)).toBe(published.length);
    expect(await count(`SELECT coalesce(sum(event_count), 0) AS count FROM signal_event_logs`)).toBe(published.reduce((s, m) => s + m.events.length, 0));
  });

  it('serves the measures: greens equal the running plan, volumes equal the advance detectors\' vehicles, and the same figures as the library on the published log', async () => {
    const crossingId = '0970';
    const from = '2006-10-10T06:30:00+10:00';
    const to = '2006-10-10T07:15:00+10:00';
    const response = await api(`${crossingMeasuresPath(crossingId)}?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&binMinutes=15`);
    expect(response.status).toBe(200);
    const view = (await response.json()) as CrossingMeasuresView;
    const fromMs = Date.parse(from);
    const toMs = Date.parse(to);

    // split monitor: every green of phase p is the plan's green, ended at its force-off
    const plan = plans.get(crossingId)!;
    expect(view.splitMonitor.map((p) => p.phase)).toEqual(plan.greenSeconds.map((_, i) => i + 1));
    for (const p of view.splitMonitor) {
      expect(p.cycles).toBeGreaterThanOrEqual(Math.floor((toMs - fromMs) / 1000 / plan.greenSeconds.reduce((s, g) => s + g + plan.amberSeconds + plan.allRedSeconds, 0)) - 1);
      for (const g of p.greens) expect(g.greenSeconds).toBeCloseTo(plan.greenSeconds[p.phase - 1], 2);
      expect(p.forceOffShare).toBe(1);
    }

    // approach volumes: a direct count of detector-ons (82) on each approach's advance channels in the window
    const logs = published.filter((m) => m.crossingId === crossingId);
    const advance = new Map(logs[0].channels.filter((c) => c.kind === 'advance').map((c) => [c.channel, c.approachId]));
    const direct = new Map<string, number>();
    for (const m of logs) {
      for (const [offset, code, param] of m.events) {
        const at = Date.parse(m.intervalStart) + offset;
        if (code === 82 && advance.has(param) && at >= fromMs && at < toMs) direct.set(advance.get(param)!, (direct.get(advance.get(param)!) ?? 0) + 1);
      }
    }
    expect(view.approachVolumes.map((v) => [v.approachId, v.total]).sort()).toEqual([...direct.entries()].sort());
    expect(view.approachVolumes.reduce((s, v) => s + v.total, 0)).toBeGreaterThan(50);
    expect(view.approachVolumes.every((v) => v.bins.length === 3)).toBe(true);

    // PCD and arrivals on green are there for every phase an approach is served by
    expect(view.arrivalsOnGreen.length).toBeGreaterThan(0);
    for (const a of view.arrivalsOnGreen) {
      expect(a.arrivals).toBe(view.pcd.find((p) => p.phase === a.phase)!.cycles.reduce((s, c) => s + c.arrivalsSeconds.length, 0));
      if (a.arrivals > 0) expect(a.aogShare!).toBeGreaterThanOrEqual(0);
    }
    expect(view.splitFailures.map((f) => f.phase)).toEqual([...new Set(logs[0].channels.filter((c) => c.kind === 'stop-bar').map((c) => c.phase))].sort());

    // the stored log gives what the library gives on the published messages (window ± 10 min)
    const near = logs.filter((m) => Date.parse(m.intervalStart) < toMs + 600_000 && Date.parse(m.intervalStart) + MIN15 > fromMs - 600_000);
    const raw = near.flatMap((m) => m.events.map(([offset, code, param]) => ({ localMs: Date.parse(m.intervalStart) + offset, code, param })));
    expect(view).toEqual(computeMeasures(crossingId, raw, logs[logs.length - 1].channels, { fromMs, toMs, binMinutes: 15 }));
  }, 30_000);

  it('without from/to serves the hour before the end of the newest stored log', async () => {
    const view = (await (await api(crossingMeasuresPath('0970'))).json()) as CrossingMeasuresView;
    expect([view.from, view.to]).toEqual(['2006-10-09T20:30:00.000Z', '2006-10-09T21:30:00.000Z']);
    expect(view.splitMonitor.length).toBeGreaterThan(0);
    // `minutes` (the dashboard's "last 4 h" / "24 h"): that long before the same end; ignored with `from`.
    const longer = (await (await api(`${crossingMeasuresPath('0970')}?minutes=240`)).json()) as CrossingMeasuresView;
    expect([longer.from, longer.to]).toEqual(['2006-10-09T17:30:00.000Z', '2006-10-09T21:30:00.000Z']);
    const given = (await (await api(`${crossingMeasuresPath('0970')}?minutes=240&from=2006-10-09T21:00:00Z`)).json()) as CrossingMeasuresView;
    expect([given.from, given.to]).toEqual(['2006-10-09T21:00:00.000Z', '2006-10-09T21:30:00.000Z']);
    for (const bad of ['0', '10081', '1.5', 'many']) expect((await api(`${crossingMeasuresPath('0970')}?minutes=${bad}`)).status).toBe(400);
  }, 30_000);

  it('a redelivered log changes nothing; an unsigned or forged one is refused with a dead letter', async () => {
    const before = await count(`SELECT count(*) FROM signal_event_logs`);
    const again = await queue.add('signal-event-log', signedAsSimulator(published[0]), { jobId: 'again-1' });
    await again.waitUntilFinished(events, 30_000);
    expect(await count(`SELECT count(*) FROM signal_event_logs`)).toBe(before);

    const forged = { ...signedAsSimulator({ ...published[1], runId: 'forged' }), events: [] };
    const job = await queue.add('signal-event-log', forged, { jobId: 'forged-1' });
    await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow(/signature/);
    const [letter] = await db.query(`SELECT reason FROM dead_letters WHERE job_id = 'forged-1'`);
    expect(letter.reason).toMatch(/signature does not match/);
    expect(await count(`SELECT count(*) FROM signal_event_logs WHERE run_id = 'forged'`)).toBe(0);
  }, 60_000);

  it('answers 404 for an unknown crossing, 400 for a bad window, 401 without a token', async () => {
    expect((await api(`${crossingMeasuresPath('nowhere')}?from=2006-10-10T06:30:00Z&to=2006-10-10T07:00:00Z`)).status).toBe(404);
    expect((await api(`${crossingMeasuresPath('0970')}?from=2006-10-10T07:30:00Z&to=2006-10-10T07:00:00Z`)).status).toBe(400);
    expect((await api(`${crossingMeasuresPath('0970')}?from=yesterday`)).status).toBe(400);
    expect((await fetch(`${baseUrl}${crossingMeasuresPath('0970')}`)).status).toBe(401);
  }, 30_000);

  it('is in the OpenAPI document with its response schema', async () => {
    const doc = (await (await fetch(`${baseUrl}/api/docs-json`)).json()) as { paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> } }>; components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    const get = doc.paths['/api/crossings/{id}/measures'].get!;
    expect(get.responses['200'].content!['application/json'].schema.$ref).toBe('#/components/schemas/CrossingMeasuresDto');
    expect(Object.keys(doc.components.schemas.CrossingMeasuresDto.properties).sort()).toEqual(['approachVolumes', 'arrivalsOnGreen', 'binMinutes', 'channels', 'crossingId', 'events', 'from', 'pcd', 'splitFailures', 'splitMonitor', 'to']);
    // A real answer, all the way down, as the document describes it.
    const path = `${crossingMeasuresPath('0970')}?from=${encodeURIComponent('2006-10-10T06:30:00+10:00')}&to=${encodeURIComponent('2006-10-10T07:15:00+10:00')}&binMinutes=15`;
    const response = await api(path);
    const view = (await response.json()) as CrossingMeasuresView;
    expect(view.splitMonitor.length).toBeGreaterThan(0);
    expect(answerProblems(doc as unknown as OpenApiDocumentLike, 'GET', path, response.status, view)).toEqual([]);
  }, 30_000);
});
