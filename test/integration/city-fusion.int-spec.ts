import { Queue, QueueEvents } from 'bullmq';
import { io } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { NestExpressApplication } from '@nestjs/platform-express';
import { CitySnapshotView, CityForecastView, CrossingFusionView, CrossingStatusView, FORECAST_QUEUE, ForecastBand, unpackSummaries } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { CityFusionService } from '../../apps/fusion/src/services/city-fusion.service';
import { FusionStateRepository } from '../../apps/fusion/src/repositories/fusion-state.repository';
import { forecastMessage, heartbeatMessage, signedAsWorker } from '../support/forecast-factory';
import { authedFetch, loginAs } from '../support/auth';
import { FusionHarness, startFusionHarness } from '../support/fusion-harness';
import { mulberry32 } from '../support/prng';
import { eventually } from '../support/infrastructure';

/**
 * The city fusion inside the fusion service, against real PostgreSQL and Redis: three
 * crossings on Warrigal Rd send forecasts through BullMQ interval by interval; then one
 * worker stops. Its crossing must be served as estimated (REST and socket.io) with wider
 * intervals, the city's parts must add up, a redelivered message must change nothing, and
 * a restart must serve the same fused picture (from the saved state) or rebuild one from
 * the stored rows when the saved state is gone.
 */
describe('city fusion in the fusion service (real PostgreSQL + Redis)', () => {
  const city = loadCityDefinition('seed-data/boroondara-2006');
  const IDS = ['0970', '2000', '3126'];
  const STOPPED = '2000';
  const STEP = 15 * 60_000;
  const T0 = Date.parse('2006-10-09T00:00:00+10:00');
  const FEED_INTERVALS = 100;
  let harness: FusionHarness;
  let app: NestExpressApplication;
  let db: DataSource;
  let forecasts: Queue;
  let heartbeats: Queue;
  let events: QueueEvents;
  let baseUrl: string;
  let api: ReturnType<typeof authedFetch>;

  /** Fusion again on the same database and Redis (after the test closed it). */
  async function startApp(): Promise<void> {
    ({ app, baseUrl } = await harness.restartApp());
  }

  beforeAll(async () => {
    harness = await startFusionHarness({ name: 'fusion_it' });
    ({ app, db, baseUrl } = harness);
    api = harness.api.viewer;
    forecasts = harness.queue(FORECAST_QUEUE);
    heartbeats = harness.queue('crosscast-heartbeats');
    events = await harness.queueEvents(FORECAST_QUEUE);
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  }, 60_000);

  // ------------------------------------------------------------------ a street with known noise

  const random = mulberry32(20061009);
  const truth = new Map<string, number>();
  /** Each crossing's total: a daily wave, scaled per crossing, plus noise the workers cannot know. */
  function observedTotal(id: string, t: number): number {
    const key = `${id}:${t}`;
    if (!truth.has(key)) {
      const slot = t % 96;
      const level = 1 + 0.4 * IDS.indexOf(id);
      truth.set(key, Math.round(Math.max(0, level * (200 + 150 * Math.sin((2 * Math.PI * (slot - 30)) / 96)) + 40 * (random() - 0.5))));
    }
    return truth.get(key)!;
  }
  const band = (mean: number, half80: number): ForecastBand => ({ mean, lower80: Math.max(0, mean - half80), upper80: mean + half80, lower95: Math.max(0, mean - 1.5 * half80), upper95: mean + 1.5 * half80 });

  /** What a good worker sends for interval t: the observed total, and forecasts close to what will happen. */
  function workerMessage(id: string, t: number) {
    const approaches = city.crossings.find((c) => c.id === id)!.approaches.map((a) => a.id);
    const basedOn = new Date(T0 + t * STEP).toISOString();
    // Whole vehicles per approach, adding up to the total.
    const split = (total: number) => Object.fromEntries(approaches.map((a, i) => [a, Math.floor(total / approaches.length) + (i === 0 ? total % approaches.length : 0)]));
    const base = forecastMessage(id, approaches, basedOn);
    return signedAsWorker({
      ...base,
      horizons: base.horizons.map((h) => {
        const mean = Math.max(0, observedTotal(id, t + h.stepsAhead) + 6 * (random() - 0.5));
        const total = band(mean, 10);
        return { ...h, total, approaches: Object.fromEntries(approaches.map((a) => [a, band(mean / approaches.length, 10 / approaches.length)])) };
      }),
      observed: { intervalStart: basedOn, total: observedTotal(id, t), approaches: split(observedTotal(id, t)), filledShare: 0 },
    });
  }

  const sent = new Map<string, ReturnType<typeof workerMessage>>();
  async function deliver(data: unknown, jobId: string): Promise<void> {
    const job = await forecasts.add('forecast', data, { jobId });
    await job.waitUntilFinished(events, 30_000);
  }
  /** One interval of the street: the running workers' messages, then a read, which lets fusion run for it. */
  async function feedInterval(t: number, crossings: string[]): Promise<void> {
    await Promise.all(crossings.map((id) => {
      const message = workerMessage(id, t);
      sent.set(`${id}:${t}`, message);
      return deliver(message, `${id}-${t}`);
    }));
    expect((await api('/api/city/forecast')).status).toBe(200);
  }

  const cityForecast = async (): Promise<CityForecastView> => (await api('/api/city/forecast')).json();
  const fusedOf = async (id: string): Promise<CrossingFusionView> => (await (await api(`/api/crossings/${id}/forecasts`)).json()).fused;
  const width80 = (v: CrossingFusionView, k: number) => v.horizons[k].total.upper80 - v.horizons[k].total.lower80;

  // ------------------------------------------------------------------ the tests

  let fusedBeforeStop: CrossingFusionView;

  it('fuses every running crossing and adds them up into the city and Warrigal Rd', async () => {
    for (let t = 0; t < FEED_INTERVALS; t++) await feedInterval(t, IDS);

    const cityView = await cityForecast();
    expect(cityView.method).toBe('city-fusion');
    expect(cityView.asOfIntervalStart).toBe(new Date(T0 + (FEED_INTERVALS - 1) * STEP).toISOString());
    expect(cityView.crossingsEstimated).toBe(0);
    expect(cityView.crossingsWithoutData).toHaveLength(city.crossings.length - IDS.length);
    expect(cityView.horizons.map((h) => h.crossingsIncluded)).toEqual([3, 3, 3, 3]);
    const warrigal = cityView.corridors.find((c) => c.road === 'WARRIGAL RD')!;
    expect(warrigal.crossings).toEqual(expect.arrayContaining(IDS));
    expect(warrigal.horizons[0].crossingsIncluded).toBe(3);

    fusedBeforeStop = await fusedOf(STOPPED);
    expect(fusedBeforeStop.source).not.toBe('estimated');
    expect(fusedBeforeStop.horizons.map((h) => h.source)).not.toContain('estimated');
    expect(fusedBeforeStop.reason).toBeNull();
  }, 120_000);

  it("estimates a stopped worker's crossing from profile and neighbours, wider, and says so in REST and on the socket", async () => {
    // 2000's worker stops; the others carry on for three more intervals: 2000 is now stale.
    for (let t = FEED_INTERVALS; t < FEED_INTERVALS + 3; t++) await feedInterval(t, IDS.filter((id) => id !== STOPPED));

    const list: Array<{ id: string; status: { freshness: string }; estimate: CrossingFusionView | null }> = await (await api('/api/crossings')).json();
    const stopped = list.find((c) => c.id === STOPPED)!;
    expect(stopped.status.freshness).toBe('stale');
    expect(stopped.estimate).toMatchObject({ source: 'estimated', freshness: 'stale' });
    expect(stopped.estimate!.reason).toMatch(/^worker stale .*estimated from its historical profile and its neighbours/);
    expect(list.find((c) => c.id === '0970')!.estimate).toBeNull();

    const fused = await fusedOf(STOPPED);
    expect(fused.horizons.map((h) => h.source)).toEqual(['estimated', 'estimated', 'estimated', 'estimated']);
    for (let k = 0; k < 4; k++) {
      // Its profile has learned the crossing's level: the estimate is in its range, not zero.
      expect(fused.horizons[k].total.mean).toBeGreaterThan(0.3 * fusedBeforeStop.horizons[k].total.mean);
      expect(width80(fused, k)).toBeGreaterThan(width80(fusedBeforeStop, k));
    }
    // The worker's own forecasts are still there, beside the estimate.
    const { forecasts: own } = await (await api(`/api/crossings/${STOPPED}/forecasts`)).json();
    expect(own.length).toBeGreaterThan(0);
    const detail = await (await api(`/api/crossings/${STOPPED}`)).json();
    expect(detail.estimate.source).toBe('estimated');
    expect(detail.fused.horizons).toEqual(fused.horizons);

    const cityView = await cityForecast();
    expect(cityView.crossingsEstimated).toBe(1);
    expect(cityView.estimated).toEqual([expect.objectContaining({ crossingId: STOPPED, freshness: 'stale' })]);
    expect(cityView.stale.map((s) => s.crossingId)).toContain(STOPPED);
    // The city is the sum of its parts as served.
    const parts = await Promise.all(IDS.map(fusedOf));
    for (const [k, h] of cityView.horizons.entries()) {
      expect(h).toMatchObject({ crossingsIncluded: 3, crossingsEstimated: 1 });
      expect(h.total).toBeCloseTo(parts.reduce((sum, p) => sum + p.horizons[k].total.mean, 0), 6);
      expect(h.lower80).toBeLessThan(h.total);
      expect(h.upper80).toBeGreaterThan(h.total);
    }

    // socket.io: the snapshot on connect marks the estimate in the crossing's summary (the map
    // marks it) without every crossing's values, and its city overview carries no per-crossing
    // lists; following the crossing brings its fused values and status.
    const token = await loginAs(baseUrl, 'viewer');
    const socket = io(baseUrl, { transports: ['websocket'], auth: { token }, reconnection: false });
    try {
      const snapshot = await new Promise<CitySnapshotView>((resolve, reject) => {
        socket.once('snapshot', resolve);
        socket.once('connect_error', reject);
      });
      expect(snapshot.city.crossingsEstimated).toBe(1);
      expect(snapshot.city).toMatchObject({ crossingsTotal: cityView.crossingsTotal, crossingsWithoutDataCount: cityView.crossingsWithoutData.length, horizons: cityView.horizons });
      for (const key of ['estimated', 'stale', 'crossingsWithoutData']) expect(snapshot.city).not.toHaveProperty(key);
      const warrigal = cityView.corridors.find((c) => c.road === 'WARRIGAL RD')!;
      expect(snapshot.city.corridors.find((c) => c.road === 'WARRIGAL RD')).toEqual({ road: 'WARRIGAL RD', crossingsCount: warrigal.crossings.length, next: warrigal.horizons[0] });
      const summaries = unpackSummaries(snapshot.summaries);
      expect(summaries.map((s) => s.crossingId)).toEqual(expect.arrayContaining(IDS));
      expect(summaries.filter((s) => s.estimated).map((s) => s.crossingId)).toEqual([STOPPED]);
      expect(summaries.find((s) => s.crossingId === STOPPED)).toMatchObject({ freshness: 'stale', estimated: true });
      expect(snapshot).not.toHaveProperty('fused');
      const followed = new Promise<{ fused: CrossingFusionView; status: CrossingStatusView }>((resolve) => {
        let status: CrossingStatusView | null = null;
        socket.once('crossing-status', (s: CrossingStatusView) => (status = s));
        socket.once('crossing-fused', (fused: CrossingFusionView) => resolve({ fused, status: status! }));
      });
      const reply = await socket.emitWithAck('subscribe-crossing', { crossingId: STOPPED });
      expect(reply).toMatchObject({ ok: true, crossingId: STOPPED });
      const { fused, status } = await followed;
      expect(fused).toMatchObject({ crossingId: STOPPED, source: 'estimated' });
      expect(status).toMatchObject({ crossingId: STOPPED, freshness: 'stale' });
    } finally {
      socket.disconnect();
    }
  }, 60_000);

  it('filters the crossings list by corridor, with status, bounding box and paging (every filter must match); 404 for an unknown corridor', async () => {
    type Item = { id: string; lon: number; lat: number; status: { freshness: string } };
    const list = (params: Record<string, string>) => api(`/api/crossings?${new URLSearchParams(params)}`);
    const ids = async (response: Response) => ((await response.json()) as Item[]).map((c) => c.id);
    const all = (await (await list({ limit: '5000' })).json()) as Item[];
    const corridors = (await (await api('/api/corridors')).json()) as Array<{ name: string; road: string; crossingIds: string[] }>;
    // The corridor through the stopped crossing (stale now; its neighbour on it never sent anything), and one away from it.
    const warrigal = corridors.find((c) => c.crossingIds.includes(STOPPED))!;
    const elsewhere = corridors.find((c) => !c.crossingIds.includes(STOPPED))!;
    expect(warrigal).toBeDefined();
    expect(elsewhere).toBeDefined();

    const on = await list({ corridor: warrigal.name });
    expect(on.status).toBe(200);
    expect(await ids(on)).toEqual([...warrigal.crossingIds].sort());
    expect(on.headers.get('x-total-count')).toBe(String(warrigal.crossingIds.length));
    expect(all.length).toBeGreaterThan(warrigal.crossingIds.length);

    // With status: those of the corridor with that freshness, counted after filtering.
    expect(await ids(await list({ corridor: warrigal.name, status: 'stale' }))).toEqual([STOPPED]);
    for (const status of ['fresh', 'stale', 'offline', 'unknown']) {
      const expected = all.filter((c) => warrigal.crossingIds.includes(c.id) && c.status.freshness === status).map((c) => c.id);
      const answer = await list({ corridor: warrigal.name, status });
      expect(answer.headers.get('x-total-count')).toBe(String(expected.length));
      expect(await ids(answer)).toEqual(expected);
    }
    // With a box around the stopped crossing: it on its corridor, nothing on a corridor away from it.
    const stopped = all.find((c) => c.id === STOPPED)!;
    const bbox = [stopped.lon - 0.0005, stopped.lat - 0.0005, stopped.lon + 0.0005, stopped.lat + 0.0005].map((v) => v.toFixed(4)).join(',');
    expect(await ids(await list({ corridor: warrigal.name, bbox }))).toEqual([STOPPED]);
    const away = await list({ corridor: elsewhere.name, bbox });
    expect(away.status).toBe(200);
    expect(await away.json()).toEqual([]);
    expect(away.headers.get('x-total-count')).toBe('0');

    // Paging keeps the filter: the Link to the next page names the corridor again.
    const first = await list({ corridor: warrigal.name, limit: '1' });
    expect(first.headers.get('x-total-count')).toBe(String(warrigal.crossingIds.length));
    const next = /^<([^>]+)>; rel="next"$/.exec(first.headers.get('link') ?? '')![1];
    expect(new URL(next, baseUrl).searchParams.get('corridor')).toBe(warrigal.name);
    expect([...(await ids(first)), ...(await ids(await api(next)))]).toEqual([...warrigal.crossingIds].sort().slice(0, 2));

    // An unknown corridor is a 404 that says so, whatever else is asked; a malformed one a 400.
    const unknowns: Array<Record<string, string> & { corridor: string }> = [{ corridor: 'NO SUCH RD: 0000 → 0001' }, { corridor: warrigal.road }, { corridor: 'NO SUCH RD: 0000 → 0001', status: 'fresh', limit: '1' }];
    for (const params of unknowns) {
      const unknown = await list(params);
      expect(unknown.status).toBe(404);
      expect((await unknown.json()).message).toBe(`corridor ${JSON.stringify(params.corridor)} is not one of ${city.city}'s corridors (GET /api/corridors lists them)`);
    }
    for (const query of [`corridor=${encodeURIComponent(warrigal.name)}&corridor=${encodeURIComponent(elsewhere.name)}`, 'corridor=', 'corridor=a%07b', `corridor=${'x'.repeat(201)}`]) {
      const refused = await api(`/api/crossings?${query}`);
      expect(refused.status).toBe(400);
      expect(JSON.stringify((await refused.json()).message)).toMatch(/corridor must be/);
    }
  }, 60_000);

  it('does not change the fusion when a stored message is delivered again', async () => {
    const fusion = app.get(CityFusionService);
    const stateBefore = fusion.stateJson();
    const cityBefore = await cityForecast();
    const message = sent.get(`0970:${FEED_INTERVALS + 2}`)!;
    await deliver(message, 'again-1');
    await deliver(signedAsWorker({ ...message, seq: message.seq + 1, sentAt: new Date().toISOString() }), 'again-2');
    // The same message id re-sent with other numbers (a worker restarted and forecast again):
    // the store keeps the first, and so must the fusion.
    await deliver(signedAsWorker({ ...message, horizons: message.horizons.map((h) => ({ ...h, total: band(h.total.mean + 50, 10) })) }), 'again-3');
    expect(fusion.stateJson()).toBe(stateBefore);
    expect(await cityForecast()).toEqual(cityBefore);
  }, 60_000);

  it('serves reads from the cached picture: many reads at once learn nothing and agree', async () => {
    const fusion = app.get(CityFusionService);
    const stateBefore = fusion.stateJson();
    const views = await Promise.all(Array.from({ length: 12 }, () => cityForecast()));
    for (const view of views) expect(view).toEqual(views[0]);
    expect(fusion.stateJson()).toBe(stateBefore);
  }, 60_000);

  it('serves the same fused picture after a restart, from the saved state', async () => {
    const cityBefore = await cityForecast();
    const estimateBefore = await fusedOf(STOPPED);
    await app.close();
    const [saved] = await db.query(`SELECT fused_through, format_version FROM fusion_state WHERE name = 'city'`);
    expect(saved.fused_through.toISOString()).toBe(cityBefore.asOfIntervalStart);
    expect(saved.format_version).toBe(2);
    // The learned state is one record per crossing (plus the city and its aggregates), none of them the whole state.
    const records: Array<{ key: string; bytes: string }> = await db.query(`SELECT key, length(state) AS bytes FROM fusion_state_records WHERE name = 'city'`);
    expect(records.filter((r) => r.key.startsWith('crossing:'))).toHaveLength(city.crossings.length);
    expect(records.map((r) => r.key)).toContain('city');
    const total = records.reduce((sum, r) => sum + Number(r.bytes), 0);
    expect(total).toBeGreaterThan(10_000);
    for (const r of records.filter((x) => x.key.startsWith('crossing:'))) expect(Number(r.bytes)).toBeLessThan(total / 10);

    await startApp();
    expect(await cityForecast()).toEqual(cityBefore);
    expect(await fusedOf(STOPPED)).toEqual(estimateBefore);
  }, 60_000);

  it('reads stored forecasts for a rebuild in pages of whole intervals, the same rows as one read', async () => {
    const repository = app.get(FusionStateRepository);
    const from = new Date(T0);
    const read = async (pageSize: number) => {
      const pages = [];
      for await (const page of repository.forecastsForReplay(from, null, pageSize)) pages.push(page);
      return pages;
    };
    const [whole] = await read(1_000_000);
    expect(whole).toHaveLength(IDS.length * FEED_INTERVALS + (IDS.length - 1) * 3);
    // 7 rows a page: pages end between intervals, and an interval larger than a page (3 rows > 2) is read whole.
    for (const pageSize of [7, 2]) {
      const pages = await read(pageSize);
      expect(pages.length).toBeGreaterThan(1);
      expect(pages.flat()).toEqual(whole);
      for (let i = 1; i < pages.length; i++) expect(pages[i][0].basedOnMs).toBeGreaterThan(pages[i - 1][pages[i - 1].length - 1].basedOnMs);
    }
  }, 60_000);

  it('saves changed records over the saved ones, and replaces them all on a complete save', async () => {
    const repository = app.get(FusionStateRepository);
    const head = { formatVersion: 2, state: '{}', fusedThrough: null, fedThroughReceivedAt: null, savedAt: new Date() };
    const name = 'partial-save-test';
    await repository.save(name, head, [{ key: 'crossing:a', value: { n: 1 } }, { key: 'crossing:b', value: { n: 2 } }], true);
    await repository.save(name, head, [{ key: 'crossing:b', value: { n: 3 } }], false);
    expect(await repository.loadRecords(name)).toEqual([{ key: 'crossing:a', value: { n: 1 } }, { key: 'crossing:b', value: { n: 3 } }]);
    await repository.save(name, head, [{ key: 'crossing:c', value: { n: 4 } }], true);
    expect(await repository.loadRecords(name)).toEqual([{ key: 'crossing:c', value: { n: 4 } }]);
    await repository.delete(name);
    expect(await repository.loadRecords(name)).toEqual([]);
  }, 60_000);

  it('rebuilds the fusion from the stored rows when no saved state is usable', async () => {
    await app.close();
    await db.query(`UPDATE fusion_state_records SET state = 'not json' WHERE name = 'city' AND key = 'crossing:${STOPPED}'`);
    await startApp();
    const cityView = await cityForecast();
    expect(cityView.method).toBe('city-fusion');
    expect(cityView.asOfIntervalStart).toBe(new Date(T0 + (FEED_INTERVALS + 2) * STEP).toISOString());
    expect(cityView.estimated.map((e) => e.crossingId)).toEqual([STOPPED]);
    const parts = await Promise.all(IDS.map(fusedOf));
    for (const [k, h] of cityView.horizons.entries()) expect(h.total).toBeCloseTo(parts.reduce((sum, p) => sum + p.horizons[k].total.mean, 0), 6);
    expect(width80(parts[IDS.indexOf(STOPPED)], 0)).toBeGreaterThan(width80(parts[0], 0));
  }, 60_000);

  it('estimates a fresh crossing whose worker reports itself degraded, without waiting for data time to move', async () => {
    await heartbeats.add('heartbeat', heartbeatMessage('0970', { status: 'degraded' }));
    await eventually(async () => (await cityForecast()).estimated.some((e) => e.crossingId === '0970'), '0970 estimated after its degraded heartbeat');
    const fused = await fusedOf('0970');
    expect(fused).toMatchObject({ source: 'estimated', workerStatus: 'degraded' });
    expect(fused.reason).toMatch(/^worker degraded/);
  }, 60_000);
});
