import IORedis from 'ioredis';
import { readFusionConfig } from '../../apps/fusion/src/config';
import { FusionFeedRepository, StoredForecastNotice } from '../../apps/fusion/src/repositories/fusion-feed.repository';
import { forecastMessage } from '../support/forecast-factory';
import { TEST_REDIS_URL, eventually, uniqueName } from '../support/infrastructure';

/**
 * The fusion feed between instances (real Redis pub/sub): another instance hears every
 * batch, an instance skips its own batches unread, and an instance alone on the channel
 * does not encode and publish batches nobody would hear.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FusionFeedRepository (real Redis)', () => {
  const feeds: FusionFeedRepository[] = [];
  const config = () => readFusionConfig({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix });
  let prefix: string;

  beforeEach(() => {
    prefix = uniqueName('feed');
  });

  afterEach(async () => {
    for (const feed of feeds.splice(0)) feed.onApplicationShutdown();
    jest.restoreAllMocks();
  });

  const notice = (instance: string, seq: number): StoredForecastNotice => ({ instance, receivedAt: new Date().toISOString(), message: forecastMessage('0970', ['N', 'S'], '2026-12-01T08:00:00.000Z', { seq }) });

  it('tells another instance what one stored, and does not hand an instance its own notices', async () => {
    const a = new FusionFeedRepository(config());
    const b = new FusionFeedRepository(config());
    feeds.push(a, b);
    const heardByA: number[] = [];
    const heardByB: number[] = [];
    await a.subscribeToOthers('a', (n) => heardByA.push(n.message.seq));
    await b.subscribeToOthers('b', (n) => heardByB.push(n.message.seq));
    a.publish(notice('a', 1));
    a.publish(notice('a', 2));
    await eventually(async () => heardByB.length === 2, 'b hears a', 5000);
    b.publish(notice('b', 3));
    await eventually(async () => heardByA.length === 1, 'a hears b', 5000);
    await sleep(200);
    expect(heardByB).toEqual([1, 2]);
    expect(heardByA).toEqual([3]);
  });

  it('publishes nothing while no other instance listens, and from the moment one says it subscribed', async () => {
    const a = new FusionFeedRepository(config());
    feeds.push(a);
    await a.subscribeToOthers('a', () => undefined);
    const published: string[] = [];
    const realPublish = IORedis.prototype.publish;
    jest.spyOn(IORedis.prototype, 'publish').mockImplementation(function (this: IORedis, channel: unknown, message: unknown) {
      published.push(String(message));
      return (realPublish as (c: unknown, m: unknown) => Promise<number>).call(this, channel, message);
    } as never);
    // The first batch goes out (nobody counted yet) and starts the count: alone on the channel.
    a.publish(notice('a', 1));
    await eventually(async () => published.length === 1, 'the first batch', 5000);
    await sleep(1100);
    // Counted again here (alone): the next count is due a second from now.
    a.publish(notice('a', 2));
    await sleep(300);
    expect(published).toHaveLength(1);

    const b = new FusionFeedRepository(config());
    feeds.push(b);
    const heardByB: number[] = [];
    await b.subscribeToOthers('b', (n) => heardByB.push(n.message.seq));
    // b's hello reaches a well before a would count again: a's next batch goes out to b.
    await eventually(async () => published.some((m) => m.includes('"hello":true')), "b's hello", 5000);
    await sleep(100);
    a.publish(notice('a', 3));
    await eventually(async () => heardByB.length > 0, 'b hears a at once', 600);
    expect(heardByB).toEqual([3]);
  });
});
