import { CrossingDefinition, DEV_WORKER_KEY_SEED, DetectorReading, ForecastMessage, ForecastMessageSchema, HeartbeatMessageSchema, deriveWorkerKey, parseMessage, signMessage } from '@crosscast/contracts';
import { FederatedSnapshot, LocalCalendar, ResidualEnsembleForecaster, ResidualEnsembleState, exportSnapshot, snapshotProblems } from '@crosscast/forecasting';
import { selectTfBackend } from '@crosscast/runtime';
import { CrossingWorker, CrossingWorkerOptions, FederationOptions, TrainingRunner, WarmStartFetch, WorkerFederation } from './crossing-worker';

const crossing: CrossingDefinition = {
  id: 'X1',
  name: 'TEST RD / OTHER ST',
  lat: -37.8,
  lon: 145.0,
  approaches: [
    { id: 'X1:1', direction: 'N', road: 'TEST RD', location: 'TEST_RD N of OTHER_ST', lat: null, lon: null },
    { id: 'X1:3', direction: 'E', road: 'OTHER ST', location: 'OTHER_ST E of TEST_RD', lat: null, lon: null },
  ],
};
const START = Date.parse('2006-10-01T00:00:00+10:00');
const STEP = 15 * 60_000;

function reading(index: number, counts?: Record<string, number | null>): DetectorReading {
  const level = 60 + 50 * Math.sin((2 * Math.PI * index) / 96);
  return {
    v: 1,
    crossingId: 'X1',
    intervalStart: new Date(START + index * STEP).toISOString(),
    intervalMinutes: 15,
    counts: counts ?? { 'X1:1': Math.round(level), 'X1:3': Math.round(level / 2) },
  };
}

class ManualTrainer implements TrainingRunner {
  jobs: Array<() => Promise<unknown>> = [];
  run<T>(job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => this.jobs.push(() => job().then(resolve, reject)));
  }
  async runAll(): Promise<void> {
    const jobs = this.jobs.splice(0);
    for (const job of jobs) await job();
  }
}

function makeWorker(options: Partial<CrossingWorkerOptions> = {}, federation: { client: WorkerFederation; options: FederationOptions } | null = null) {
  const published: ForecastMessage[] = [];
  const trainer = new ManualTrainer();
  const warnings: string[] = [];
  const logs: string[] = [];
  const savedModels: ResidualEnsembleState[] = [];
  const worker = new CrossingWorker(
    crossing,
    15,
    'Australia/Melbourne',
    'wasm',
    { horizons: 4, minTrainIntervals: 150, retrainEveryIntervals: 96, historyLimitIntervals: 2000, trainEpochs: 3, ...options },
    // The host's publisher signs every message with the crossing's key; do the same here.
    { publishForecast: (m) => published.push(signMessage(m, deriveWorkerKey(DEV_WORKER_KEY_SEED, m.crossingId))) },
    trainer,
    { now: () => new Date('2026-01-01T00:00:00Z') },
    { log: (m) => logs.push(m), warn: (m) => warnings.push(m) },
    // What the host does with a trained model: save it to disk (here: keep it).
    async (_w, model) => {
      savedModels.push(model);
    },
    federation,
  );
  return { worker, published, trainer, warnings, logs, savedModels };
}

describe('CrossingWorker', () => {
  beforeAll(async () => {
    await selectTfBackend('wasm');
  });

  it('publishes a schema-valid forecast for the next four intervals after each new interval', () => {
    const { worker, published } = makeWorker();
    for (let i = 0; i < 10; i++) {
      worker.accept(reading(i));
      worker.forecastLatest();
    }
    expect(published).toHaveLength(10);
    const last = published[9];
    expect(parseMessage(ForecastMessageSchema, last)).toEqual({ ok: true, value: last });
    expect(last.basedOnIntervalStart).toBe(new Date(START + 9 * STEP).toISOString());
    expect(last.horizons.map((h) => h.intervalStart)).toEqual([10, 11, 12, 13].map((i) => new Date(START + i * STEP).toISOString()));
    expect(last.model.name).toBe('seasonal-naive');
    expect(published.map((m) => m.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('ignores a reading it already has, keeps a gap as missing intervals, and fills it when the reading comes late', () => {
    const { worker } = makeWorker();
    expect(worker.accept(reading(0))).toBe('appended');
    expect(worker.accept(reading(0))).toBe('ignored');
    expect(worker.accept(reading(3))).toBe('appended');
    expect(worker.historyIntervals).toBe(4);
    expect(worker.accept(reading(1))).toBe('filled');
    expect(worker.accept(reading(1))).toBe('ignored');
    const message = worker.forecastLatest()!;
    expect(message.observed.filledShare).toBe(0);
    // Interval 1 arrived late and is real; interval 2 never came and is reported as not observed.
    expect(message.earlierObserved!.map((o) => o.approaches['X1:1'] === null)).toEqual([false, false, true]);
  });

  it('sends every interval observed since its last forecast, after a backlog, with one forecast', () => {
    const { worker, published } = makeWorker();
    for (let i = 0; i < 5; i++) worker.accept(reading(i));
    worker.forecastLatest();
    for (let i = 5; i < 12; i++) worker.accept(reading(i));
    worker.forecastLatest();
    expect(published).toHaveLength(2);
    expect(published[1].earlierObserved!.map((o) => o.intervalStart)).toEqual([5, 6, 7, 8, 9, 10].map((i) => new Date(START + i * STEP).toISOString()));
    expect(published[1].observed.intervalStart).toBe(new Date(START + 11 * STEP).toISOString());
    expect(parseMessage(ForecastMessageSchema, published[1]).ok).toBe(true);
  });

  it('holds a reading whose clock jumps over a day ahead until the next one confirms it', () => {
    const { worker, warnings } = makeWorker();
    for (let i = 0; i < 10; i++) worker.accept(reading(i));
    // One reading from a wrong clock: held, then discarded when the street carries on.
    expect(worker.accept(reading(5000))).toBe('held');
    expect(worker.accept(reading(10))).toBe('appended');
    expect(worker.historyIntervals).toBe(11);
    expect(warnings.some((w) => /discarded a reading whose clock was over a day ahead/.test(w))).toBe(true);
    // A real jump (a long outage): two consecutive readings confirm it, the gap is kept as missing.
    expect(worker.accept(reading(300))).toBe('held');
    expect(worker.accept(reading(301))).toBe('appended');
    expect(worker.historyIntervals).toBe(302);
  });

  it('flags filled inputs: a null detector is reported as not observed, not as zero', () => {
    const { worker } = makeWorker();
    for (let i = 0; i < 5; i++) worker.accept(reading(i));
    worker.accept(reading(5, { 'X1:1': null, 'X1:3': 20 }));
    const message = worker.forecastLatest()!;
    expect(message.observed.approaches['X1:1']).toBeNull();
    expect(message.observed.approaches['X1:3']).toBe(20);
    expect(message.observed.filledShare).toBe(0.5);
    expect(message.quality.realInputShare).toBeLessThan(1);
  });

  it('trains its own model in the background once it has enough history, then forecasts with it', async () => {
    const { worker, published, trainer } = makeWorker();
    for (let i = 0; i < 200; i++) worker.accept(reading(i));
    worker.forecastLatest();
    expect(published[0].model.name).toBe('seasonal-naive');
    expect(worker.isTraining).toBe(true);

    // The worker keeps forecasting while the training job is pending.
    worker.accept(reading(200));
    worker.forecastLatest();
    expect(published[1].model.name).toBe('seasonal-naive');

    await trainer.runAll();
    expect(worker.isTraining).toBe(false);
    worker.accept(reading(201));
    worker.forecastLatest();
    expect(published[2].model).toMatchObject({ name: 'residual-ensemble', version: 1, backend: 'wasm' });
    expect(parseMessage(ForecastMessageSchema, published[2]).ok).toBe(true);

    // Drift: once the model has forecast enough intervals that then arrived, the heartbeat
    // compares its recent error with its validation error.
    expect(worker.describe(0).drift).toBeNull();
    for (let i = 202; i < 214; i++) {
      worker.accept(reading(i));
      worker.forecastLatest();
    }
    const drift = worker.describe(0).drift!;
    expect(drift.samples).toBe(12);
    expect(drift.ratio).toBeCloseTo(drift.recentMae / drift.validationMae, 1);
    // A street that suddenly carries three times the traffic shows as drift.
    for (let i = 214; i < 240; i++) {
      worker.accept(reading(i, { 'X1:1': 300, 'X1:3': 300 }));
      worker.forecastLatest();
    }
    expect(worker.describe(0).drift!.ratio).toBeGreaterThan(drift.ratio * 2);
    worker.dispose();
  }, 60_000);

  it('restores history, sequence and model from its saved state and continues without repeating', async () => {
    const first = makeWorker();
    for (let i = 0; i < 200; i++) first.worker.accept(reading(i));
    first.worker.forecastLatest();
    await first.trainer.runAll();
    expect(first.savedModels).toHaveLength(1);
    const second = makeWorker();
    await second.worker.restore(first.worker.snapshot(), first.savedModels[0]);

    expect(second.worker.accept(reading(199))).toBe('ignored');
    second.worker.accept(reading(200));
    const message = second.worker.forecastLatest()!;
    expect(message.seq).toBe(1);
    expect(message.model.name).toBe('residual-ensemble');
    first.worker.dispose();
    second.worker.dispose();
  }, 60_000);

  it('starts a new history when the street clock goes back more than a day (a replay restarted)', () => {
    const { worker, warnings } = makeWorker();
    for (let i = 200; i < 210; i++) worker.accept(reading(i));
    expect(worker.accept(reading(0))).toBe('appended');
    expect(worker.historyIntervals).toBe(1);
    expect(warnings.some((w) => /clock was reset/.test(w))).toBe(true);
  });

  it('keeps hourly counts of 5,000+ and reports its cleaning tally in a schema-valid heartbeat', () => {
    const { worker, warnings } = makeWorker();
    const observedPeak: number[] = [];
    const hourly = new CrossingWorker(
      crossing,
      60,
      'Australia/Melbourne',
      'wasm',
      { horizons: 4, minTrainIntervals: 100_000, retrainEveryIntervals: 96, historyLimitIntervals: 2000, trainEpochs: 1 },
      { publishForecast: (m) => observedPeak.push(m.observed.approaches['X1:1'] ?? -1) },
      { run: (job) => job() },
      { now: () => new Date('2026-01-01T00:00:00Z') },
      { log: () => undefined, warn: (m) => warnings.push(m) },
    );
    const HOUR = 3_600_000;
    for (let i = 0; i < 24 * 14; i++) {
      const level = 3000 + 2800 * Math.sin((2 * Math.PI * i) / 24);
      hourly.accept({ v: 1, crossingId: 'X1', intervalStart: new Date(START + i * HOUR).toISOString(), intervalMinutes: 60, counts: { 'X1:1': Math.round(level), 'X1:3': Math.round(level / 2) } });
      hourly.forecastLatest();
    }
    // Reported to the city as observed (real), not nulled as filled.
    expect(Math.max(...observedPeak)).toBeGreaterThan(5000);
    const heartbeat = hourly.describe(0);
    expect(heartbeat.cleaning).toEqual({ cells: 24 * 14 * 2, shares: { real: 1, missing: 0, invalid: 0, 'over-capacity': 0, 'over-history': 0, 'stuck-zero': 0, outage: 0 }, droppedShare: 0 });
    const signed = signMessage(heartbeat, deriveWorkerKey(DEV_WORKER_KEY_SEED, 'X1'));
    expect(parseMessage(HeartbeatMessageSchema, signed)).toEqual({ ok: true, value: signed });
    expect(warnings).toEqual([]);

    // A detector reading garbage: every dropped reading is counted, and the worker warns once.
    for (let i = 0; i < 40; i++) worker.accept(reading(i, { 'X1:1': i % 4 === 0 ? -1 : 50, 'X1:3': 20 }));
    worker.forecastLatest();
    worker.forecastLatest();
    expect(worker.describe(0).cleaning).toMatchObject({ cells: 80, droppedShare: 0.125 });
    expect(worker.describe(0).cleaning!.shares.invalid).toBe(0.125);
    expect(warnings.filter((w) => /cleaning dropped 12\.5% of 80 readings \(invalid 10\)/.test(w))).toHaveLength(1);
  });

  it('refuses a reading for another crossing', () => {
    const { worker } = makeWorker();
    expect(() => worker.accept({ ...reading(0), crossingId: 'X2' })).toThrow(/delivered to worker X1/);
  });
});

describe('compareStreamIds', () => {
  it('orders Redis stream ids by time, then sequence', () => {
    const { compareStreamIds } = jest.requireActual('./repositories/detector-feed.repository') as typeof import('./repositories/detector-feed.repository');
    expect(compareStreamIds('1700000000000-1', '1700000000000-0')).toBeGreaterThan(0);
    expect(compareStreamIds('1700000000001-0', '1700000000000-9')).toBeGreaterThan(0);
    expect(compareStreamIds('5-0', '5-0')).toBe(0);
    expect(compareStreamIds('10-0', '9-0')).toBeGreaterThan(0);
  });
});

describe('CrossingWorker federated warm start', () => {
  let citySnapshot: FederatedSnapshot;

  beforeAll(async () => {
    await selectTfBackend('wasm');
    // Another crossing's model, as the city would average it (one donor is enough here).
    const values = Array.from({ length: 10 * 96 }, (_, t) => {
      const level = 60 + 50 * Math.sin((2 * Math.PI * t) / 96);
      return [Math.round(level), Math.round(level / 2)];
    });
    const donor = await ResidualEnsembleForecaster.train(
      { intervalMinutes: 15, approaches: ['D:1', 'D:2'], firstIntervalStartMs: START, values, isReal: () => true, calendar: new LocalCalendar('Australia/Melbourne') },
      { epochs: 1 },
    );
    citySnapshot = exportSnapshot(donor, 15);
    donor.dispose();
  }, 60_000);

  function federated(answer: () => WarmStartFetch | Promise<WarmStartFetch>, options: Partial<FederationOptions> = {}) {
    const requests: string[] = [];
    const shared: Array<{ crossingId: string; version: number; snapshot: FederatedSnapshot }> = [];
    const client: WorkerFederation = {
      fetchWarmStart: async (crossingId) => {
        requests.push(crossingId);
        return answer();
      },
      publishSnapshot: (crossingId, version, snapshot) => shared.push({ crossingId, version, snapshot }),
    };
    return { requests, shared, federation: { client, options: { warmStart: true, warmStartMinIntervals: 96, fineTuneEpochs: 1, shareSnapshots: true, ...options } } };
  }
  const received = (): WarmStartFetch => ({ status: 'received', snapshot: citySnapshot, contributors: 3, publishedAt: '2026-01-01T00:00:00.000Z' });

  async function feed(worker: CrossingWorker, trainer: ManualTrainer, from: number, to: number): Promise<void> {
    for (let i = from; i < to; i++) {
      worker.accept(reading(i));
      worker.forecastLatest();
      await trainer.runAll();
    }
  }

  it('warm-starts from the city with a day of history, then replaces it with its own model and shares only that one', async () => {
    const { requests, shared, federation } = federated(received);
    const { worker, published, trainer, savedModels, logs } = makeWorker({ minTrainIntervals: 300 }, federation);
    await feed(worker, trainer, 0, 95);
    expect(requests).toEqual([]);
    expect(published[94].model.name).toBe('seasonal-naive');
    await feed(worker, trainer, 95, 100);
    expect(requests).toEqual(['X1']);
    expect(savedModels[0].start).toBe('federated-warm');
    expect(worker.warmStartState).toMatchObject({ status: 'used', reason: null, contributors: 3 });
    expect(logs.some((m) => /model v1 warm-started from the city's average of 3 crossings' models/.test(m))).toBe(true);
    expect(published[99].model.name).toBe('residual-ensemble');
    expect(published[99].quality.flags).toContain('federated-warm-start');
    // A warm-started model is the city's average, not the crossing's own: it is not shared back.
    expect(shared).toEqual([]);
    await feed(worker, trainer, 100, 302);
    const own = savedModels[savedModels.length - 1];
    expect(own.start).toBe('trained');
    expect(published[301].quality.flags).not.toContain('federated-warm-start');
    expect(shared).toHaveLength(1);
    expect(shared[0]).toMatchObject({ crossingId: 'X1', version: worker.currentModelVersion });
    expect(snapshotProblems(shared[0].snapshot)).toEqual([]);
    worker.dispose();
  }, 120_000);

  it('keeps the baseline while the city has published nothing, says so once, and asks again only every few intervals', async () => {
    const { requests, federation } = federated(() => ({ status: 'unavailable', reason: 'fusion has published no warm start for this architecture yet' }));
    const { worker, published, trainer, logs, warnings } = makeWorker({ minTrainIntervals: 300 }, federation);
    await feed(worker, trainer, 0, 110);
    // Asked at 96 intervals, then every 4 new intervals: 96, 100, 104, 108.
    expect(requests).toHaveLength(4);
    expect(published[109].model.name).toBe('seasonal-naive');
    expect(published[95].quality.flags).not.toContain('warm-start-unavailable');
    expect(published[109].quality.flags).toEqual(expect.arrayContaining(['baseline-until-trained', 'warm-start-unavailable']));
    expect(worker.warmStartState).toMatchObject({ status: 'unavailable', reason: 'fusion has published no warm start for this architecture yet' });
    expect(logs.filter((m) => m.includes('no warm start from the city'))).toEqual([
      'X1: no warm start from the city (fusion has published no warm start for this architecture yet); forecasting with the seasonal-naive baseline, asking again every 4 intervals, and training its own model from scratch at 300 intervals',
    ]);
    expect(warnings).toEqual([]);
    worker.dispose();
  }, 60_000);

  it('never builds a model from a refused payload: warns once, stays on the baseline, then trains its own from scratch', async () => {
    const { requests, federation } = federated(() => ({ status: 'refused', reason: "signature does not match crossing X1's key: not written by fusion, or altered since" }));
    const { worker, published, trainer, warnings, savedModels } = makeWorker({ minTrainIntervals: 200 }, federation);
    await feed(worker, trainer, 0, 120);
    expect(requests.length).toBeGreaterThanOrEqual(6);
    expect(savedModels).toEqual([]);
    expect(published[119].model.name).toBe('seasonal-naive');
    expect(published[119].quality.flags).toContain('warm-start-refused');
    expect(warnings.filter((m) => m.includes('warm start refused'))).toHaveLength(1);
    expect(warnings[0]).toMatch(/^X1: warm start refused \(signature does not match crossing X1's key/);
    await feed(worker, trainer, 120, 202);
    expect(savedModels.map((m) => m.start)).toEqual(['trained']);
    expect(published[201].model.name).toBe('residual-ensemble');
    expect(published[201].quality.flags).not.toContain('warm-start-refused');
    worker.dispose();
  }, 120_000);

  it('treats a failed read (Redis down) as no warm start and asks again later; WARM_START=false never asks', async () => {
    let down = true;
    const { requests, federation } = federated(() => (down ? Promise.reject(new Error('Connection is closed.')) : received()));
    const { worker, published, trainer, savedModels } = makeWorker({ minTrainIntervals: 300 }, federation);
    await feed(worker, trainer, 0, 97);
    expect(worker.warmStartState).toMatchObject({ status: 'unavailable', reason: 'the city link failed: Connection is closed.' });
    expect(published[96].quality.flags).toContain('warm-start-unavailable');
    down = false;
    await feed(worker, trainer, 97, 101);
    expect(requests).toHaveLength(2);
    expect(savedModels.map((m) => m.start)).toEqual(['federated-warm']);
    worker.dispose();

    const off = federated(received, { warmStart: false });
    const quiet = makeWorker({ minTrainIntervals: 300 }, off.federation);
    await feed(quiet.worker, quiet.trainer, 0, 110);
    expect(off.requests).toEqual([]);
    expect(quiet.published[109].quality.flags).toEqual(['baseline-until-trained']);
    quiet.worker.dispose();
  }, 120_000);
});
