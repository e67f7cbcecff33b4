import { Job } from 'bullmq';
import { FORECAST_QUEUE } from '@crosscast/contracts';
import { FusionConfig } from '../config';
import { QueueRepository } from '../repositories/queue.repository';
import { IngestEvents } from '../services/ingest-events';
import { IngestionService, IngestJob, IngestResult } from '../services/ingestion.service';
import { MessageCheckPool } from './message-check-pool';
import { QueueConsumers, splitConcurrency } from './forecast.consumer';

describe('splitConcurrency', () => {
  it('shares the jobs in flight equally over the workers, rounding up', () => {
    expect(splitConcurrency(4096, 8)).toEqual({ workers: 8, concurrencyEach: 512 });
    expect(splitConcurrency(1000, 8)).toEqual({ workers: 8, concurrencyEach: 125 });
    expect(splitConcurrency(10, 4)).toEqual({ workers: 4, concurrencyEach: 3 });
  });

  it('never starts more workers than jobs may be in flight: one job at a time stays one worker', () => {
    expect(splitConcurrency(1, 8)).toEqual({ workers: 1, concurrencyEach: 1 });
    expect(splitConcurrency(3, 8)).toEqual({ workers: 3, concurrencyEach: 1 });
  });
});

describe('QueueConsumers: forecasts in hand', () => {
  /** A consumer whose queue, checks and store are fakes; the test settles each store by hand. */
  function consumerWithFakes() {
    const events = new IngestEvents();
    let onFetched: ((job: Job) => void) | undefined;
    let processForecast: ((job: Job) => Promise<unknown>) | undefined;
    const queues = {
      startWorker: (name: string, processor: (job: Job) => Promise<unknown>, _options: unknown, fetched?: (job: Job) => void) => {
        if (name === FORECAST_QUEUE) {
          processForecast = processor;
          onFetched = fetched;
        }
      },
    } as unknown as QueueRepository;
    const stores: Array<{ size: number; settle: (results: IngestResult[]) => void; fail: (error: Error) => void }> = [];
    const ingestion = {
      checkForecastJob: async (job: IngestJob) => (job.jobId === 'refused' ? { result: { status: 'rejected', reason: 'schema' } } : { job, message: job.data }),
      storeCheckedForecasts: (checked: unknown[]) => new Promise<IngestResult[]>((settle, fail) => stores.push({ size: checked.length, settle, fail })),
    } as unknown as IngestionService;
    const checks = { verdict: async () => ({ schema: null, signature: null }), threadCount: 0 } as unknown as MessageCheckPool;
    const config = { FORECAST_CONCURRENCY: 8, FORECAST_WORKERS: 1, HEARTBEAT_CONCURRENCY: 1, INGEST_BATCH_SIZE: 2, INGEST_BATCH_WAIT_MS: 0, INGEST_BATCH_CONCURRENCY: 2, QUEUE_PREFIX: 'test' } as unknown as FusionConfig;
    const consumers = new QueueConsumers(config, queues, ingestion, checks, events);
    consumers.onApplicationBootstrap();
    const job = (id: string) => ({ id, name: 'forecast', timestamp: 0, data: { messageId: id } }) as unknown as Job;
    return { events, stores, fetch: (id: string) => onFetched!(job(id)), process: (id: string) => processForecast!(job(id)), job };
  }

  const flush = () => new Promise((resolve) => setImmediate(resolve));

  it('counts each fetched forecast until its batch is stored, refused or failed', async () => {
    const { events, stores, fetch } = consumerWithFakes();
    fetch('a');
    fetch('b');
    fetch('refused');
    expect(events.forecastsInHand).toBe(3);
    await flush();
    // The refused one settles at once; a and b wait in one batch.
    expect(events.forecastsInHand).toBe(2);
    expect(stores.map((s) => s.size)).toEqual([2]);
    stores[0].settle([
      { status: 'stored', forecastId: '1' },
      { status: 'duplicate' },
    ]);
    await flush();
    expect(events.forecastsInHand).toBe(0);
    fetch('c');
    await flush();
    await new Promise((resolve) => setTimeout(resolve, 5));
    stores[1].fail(new Error('database down'));
    await flush();
    expect(events.forecastsInHand).toBe(0);
  });

  it('counts a forecast processed without an early fetch too, once', async () => {
    const { events, stores, process } = consumerWithFakes();
    const done = process('d');
    expect(events.forecastsInHand).toBe(1);
    await flush();
    await new Promise((resolve) => setTimeout(resolve, 5));
    stores[0].settle([{ status: 'stored', forecastId: '2' }]);
    await expect(done).resolves.toEqual({ status: 'stored', forecastId: '2' });
    expect(events.forecastsInHand).toBe(0);
  });
});
