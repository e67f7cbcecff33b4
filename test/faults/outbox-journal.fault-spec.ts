import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ForecastMessage } from '@crosscast/contracts';
import { OutboxJournal } from '../../apps/edge-worker/src/repositories/outbox-journal';
import { forecastMessage, signedAsWorker } from '../support/forecast-factory';

/** The worker's disk outbox on a real file system: what survives a kill, and the bound. */
describe('worker outbox journal (real disk)', () => {
  let dir: string;
  let file: string;
  const resign = (m: ForecastMessage) => signedAsWorker(m);
  const forecast = (crossingId: string, step: number) =>
    forecastMessage(crossingId, [`${crossingId}:1`], new Date(Date.parse('2006-10-10T00:00:00Z') + step * 900_000).toISOString(), {
      seq: step,
      observed: { intervalStart: new Date(Date.parse('2006-10-10T00:00:00Z') + step * 900_000).toISOString(), total: step, approaches: { [`${crossingId}:1`]: step }, filledShare: 0 },
    });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-outbox-'));
    file = path.join(dir, 'outbox.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replays unacknowledged forecasts in order after a kill, ignoring a torn last line', () => {
    const journal = new OutboxJournal(file, { messages: 100, bytes: 1e9 }, resign);
    journal.open();
    for (let i = 0; i < 5; i++) journal.append(forecast('0970', i), null);
    journal.ack(forecast('0970', 0).messageId);
    journal.ack(forecast('0970', 1).messageId);
    // No close(): the process dies here, in the middle of writing a line.
    fs.appendFileSync(file, '{"put": {"v":1,"messageId":"09');
    const after = new OutboxJournal(file, { messages: 100, bytes: 1e9 }, resign);
    expect(after.open()).toBe(3);
    const order: string[] = [];
    for (let m = after.first(); m; m = after.first()) {
      order.push(m.messageId);
      after.ack(m.messageId);
    }
    expect(order).toEqual([2, 3, 4].map((i) => forecast('0970', i).messageId));
    expect(after.highestSeqFor('0970')).toBe(4);
    after.close();
  });

  it('keeps the highest seq through compaction, so a restart never reuses one', () => {
    const journal = new OutboxJournal(file, { messages: 100, bytes: 1e9 }, resign);
    journal.open();
    for (let i = 0; i < 200; i++) {
      journal.append(forecast('0970', i), null);
      journal.ack(forecast('0970', i).messageId);
    }
    journal.close();
    expect(fs.statSync(file).size).toBeLessThan(20_000); // compacted, not 200 forecasts long
    const after = new OutboxJournal(file, { messages: 100, bytes: 1e9 }, resign);
    expect(after.open()).toBe(0);
    expect(after.highestSeqFor('0970')).toBe(199);
    after.close();
  });

  it('when full, drops the oldest (never the one in flight) and carries its observations into the next of its crossing', () => {
    const journal = new OutboxJournal(file, { messages: 3, bytes: 1e9 }, resign);
    journal.open();
    journal.append(forecast('0970', 0), null);
    const inFlight = forecast('0970', 0).messageId;
    for (let i = 1; i <= 5; i++) journal.append(forecast('0970', i), inFlight);
    expect(journal.size).toBe(3);
    expect(journal.dropped).toBe(3);
    expect(journal.observationsLost).toBe(0);
    journal.close();
    // The bound and the carried observations survive a restart too.
    const after = new OutboxJournal(file, { messages: 3, bytes: 1e9 }, resign);
    after.open();
    const kept: ForecastMessage[] = [];
    for (let m = after.first(); m; m = after.first()) {
      kept.push(m);
      after.ack(m.messageId);
    }
    expect(kept.map((m) => m.seq)).toEqual([0, 4, 5]);
    const observedOf = (m: ForecastMessage) => [...(m.earlierObserved ?? []), m.observed].map((o) => o.total);
    // Every interval 0..5 is still observed by some kept forecast.
    expect(kept.flatMap(observedOf).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([0, 1, 2, 3, 4, 5]);
    // The carrier is re-signed with the crossing's key.
    expect(signedAsWorker(kept[1]).sig).toBe(kept[1].sig);
    after.close();
  });
});
