import { DEV_WORKER_KEY_SEED, deriveWorkerKey } from '@crosscast/contracts';
import { loadWorkerKeys } from '@crosscast/runtime';
import type { FusionConfig } from '../../apps/fusion/src/config';
import { MessageCheckPool, checkerThreadScript } from '../../apps/fusion/src/queue/message-check-pool';
import { CheckedKind, signingKeyOf, verdictOf } from '../../apps/fusion/src/queue/message-checks';
import { forecastMessage, heartbeatMessage, signedAsWorker } from '../support/forecast-factory';

/**
 * The message checker threads (real worker threads, running the compiled thread file that
 * `npm run test:integration` builds): every verdict is the one the event loop would reach
 * itself, and a thread that dies with messages in hand loses none of them.
 */
describe('MessageCheckPool (real worker threads)', () => {
  const keys = loadWorkerKeys(undefined, DEV_WORKER_KEY_SEED);
  let pool: MessageCheckPool;

  beforeEach(() => {
    pool = new MessageCheckPool({ CHECK_THREADS: 2 } as FusionConfig, keys);
  });

  afterEach(async () => {
    await pool.onApplicationShutdown();
  });

  /** Messages of every verdict: valid, schema problems, a bad signature, a crossing with another's signature, no crossing at all. */
  function messages(count: number): Array<{ kind: CheckedKind; data: unknown }> {
    const out: Array<{ kind: CheckedKind; data: unknown }> = [];
    for (let i = 0; i < count; i++) {
      const crossingId = `c${i % 7}`;
      const forecast = forecastMessage(crossingId, ['n', 's'], new Date(Date.UTC(2026, 0, 5, 8) + i * 900_000).toISOString(), { seq: i + 1 });
      const variants: Array<{ kind: CheckedKind; data: unknown }> = [
        { kind: 'forecast', data: forecast },
        { kind: 'heartbeat', data: heartbeatMessage(crossingId, { seq: i + 1 }) },
        { kind: 'forecast', data: { ...forecast, seq: forecast.seq + 1 } },
        { kind: 'forecast', data: { ...signedAsWorker({ ...forecast, crossingId: 'other' }), crossingId } },
        { kind: 'forecast', data: { ...forecast, horizons: 'none' } },
        { kind: 'heartbeat', data: { note: 'no crossing' } },
      ];
      out.push(variants[i % variants.length]);
    }
    return out;
  }

  const inline = ({ kind, data }: { kind: CheckedKind; data: unknown }) => verdictOf(kind, data, signingKeyOf(data, keys));

  it('runs the compiled thread and reaches the same verdict as the event loop for every kind of message', async () => {
    expect(checkerThreadScript()).not.toBeNull();
    const sample = messages(300);
    const verdicts = await Promise.all(sample.map((m) => pool.verdict(m.kind, m.data, JSON.stringify(m.data))));
    expect(pool.threadCount).toBe(2);
    expect(verdicts).toEqual(sample.map(inline));
    expect(new Set(verdicts.map((v) => (v.schema === null ? v.signature : 'schema')))).toEqual(new Set(['valid', 'invalid', 'schema']));
    // The key travels with each message: the thread knows no key of its own.
    expect(verdicts[0]).toEqual({ schema: null, signature: 'valid' });
    expect(inline({ kind: 'forecast', data: sample[0].data })).toEqual(verdictOf('forecast', sample[0].data, deriveWorkerKey(DEV_WORKER_KEY_SEED, 'c0')));
  });

  it('checks a message whose text is unknown on the event loop', async () => {
    const [message] = messages(1);
    await expect(pool.verdict(message.kind, message.data, undefined)).resolves.toEqual({ schema: null, signature: 'valid' });
  });

  it('loses nothing when a thread dies with messages in hand, and starts another', async () => {
    const sample = messages(600);
    const pending = sample.map((m) => pool.verdict(m.kind, m.data, JSON.stringify(m.data)));
    // Let the batches go out, then kill one thread while it holds some.
    await new Promise((resolve) => setImmediate(resolve));
    const threads = (pool as unknown as { threads: Array<{ worker: { terminate(): Promise<number> } }> }).threads;
    await threads[0].worker.terminate();
    expect(await Promise.all(pending)).toEqual(sample.map(inline));
    const after = messages(6);
    expect(await Promise.all(after.map((m) => pool.verdict(m.kind, m.data, JSON.stringify(m.data))))).toEqual(after.map(inline));
    expect(pool.threadCount).toBe(2);
  });

  it('checks on the event loop after shutdown and with CHECK_THREADS 0', async () => {
    const [message] = messages(1);
    await pool.onApplicationShutdown();
    expect(pool.threadCount).toBe(0);
    await expect(pool.verdict(message.kind, message.data, JSON.stringify(message.data))).resolves.toEqual({ schema: null, signature: 'valid' });
    const none = new MessageCheckPool({ CHECK_THREADS: 0 } as FusionConfig, keys);
    await expect(none.verdict(message.kind, message.data, JSON.stringify(message.data))).resolves.toEqual({ schema: null, signature: 'valid' });
    expect(none.threadCount).toBe(0);
  });
});
