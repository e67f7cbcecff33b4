import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ControllerEvent,
  EventCode,
  WallClockResolver,
  countDetectorEvents,
  parseDetectorMap,
  parseEventLog,
  parseLocalTimestamp,
  sortEvents,
} from './index';

const SAMPLES = join(__dirname, '..', '..', '..', 'seed-data', 'udot-atspm-samples');
const sample = (file: string) => readFileSync(join(SAMPLES, file), 'utf8');
const MAP_7115 = parseDetectorMap(JSON.parse(sample('detectors-7115.json')));

/** The count a person would make by hand: code-82 rows per channel and quarter hour, read from the text. */
function directCount(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const cells = line.split(',');
    if (cells[2] !== '82') continue;
    const [date, time] = cells[1].split(' ');
    const [h, m] = time.split(':').map(Number);
    const key = `${date} ${h}:${Math.floor(m / 15) * 15} ch${cells[3]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('parseEventLog', () => {
  it('reads the UDOT samples: US and ISO timestamps, a BOM, with and without a header', () => {
    const volume = parseEventLog(sample('ApproachVolumeTestLogs.csv'));
    expect(volume.problems).toEqual([]);
    expect(volume.hadHeader).toBe(true);
    expect(volume.events).toHaveLength(5747);
    expect(volume.events[0]).toMatchObject({ signalId: '7115', code: 82, param: 2, localMs: Date.UTC(2023, 3, 17, 8, 0, 0, 200) });

    const iso = parseEventLog(sample('7115June5202282Events.csv'));
    expect(iso.problems).toEqual([]);
    expect(iso.hadHeader).toBe(false);
    expect(iso.events).toHaveLength(1000);
    expect(iso.events[1].localMs).toBe(Date.UTC(2022, 5, 5, 0, 0, 2, 200));

    const termination = parseEventLog(sample('7115TerminationData.csv'));
    expect(termination.problems).toEqual([]);
    expect(termination.events).toHaveLength(1611);
  });

  it('names the line and the problem for every bad row', () => {
    const parsed = parseEventLog('7115,4/17/2023 8:00:0.2,82,2\n7115,17/4/2023 8:00:0.2,82,2\n7115,4/17/2023 8:00:1.0,x,2\n7115,4/17/2023 8:00:1.0,82\n,4/17/2023 8:00:1.0,82,2\n7115,2023-02-30 08:00:00,82,2\n');
    expect(parsed.events).toHaveLength(1);
    expect(parsed.problems).toEqual([
      expect.stringMatching(/^line 2: timestamp "17\/4\/2023 8:00:0.2"/),
      'line 3: event code "x" is not a whole number',
      expect.stringMatching(/^line 4: expected 4 columns/),
      'line 5: the signal id is empty',
      expect.stringMatching(/^line 6: timestamp "2023-02-30 08:00:00"/),
    ]);
  });

  it('keeps sub-second precision to the millisecond', () => {
    expect(parseLocalTimestamp('2022-06-05 00:00:02.2000000')).toBe(Date.UTC(2022, 5, 5, 0, 0, 2, 200));
    expect(parseLocalTimestamp('4/17/2023 8:00:6.30')).toBe(Date.UTC(2023, 3, 17, 8, 0, 6, 300));
    expect(parseLocalTimestamp('4/17/2023 24:00:00')).toBeNull();
  });
});

describe('countDetectorEvents', () => {
  it.each(['ApproachVolumeTestLogs.csv', 'ControllerEvents-ApproachDelay.csv'])('reproduces a direct count of code-82 events per channel and 15 minutes exactly (%s)', (file) => {
    const text = sample(file);
    const result = countDetectorEvents(parseEventLog(text).events, MAP_7115, { intervalMinutes: 15 });
    const expected = directCount(text);
    const channelOf: Record<string, string> = { '7115:P2': 'ch2', '7115:P6': 'ch6' };
    const got = new Map<string, number>();
    for (const row of result.counts) {
      const d = new Date(row.intervalLocalMs);
      const key = `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${d.getUTCHours()}:${d.getUTCMinutes()} ${channelOf[row.approachId]}`;
      if (row.count) got.set(key, row.count);
    }
    expect(got).toEqual(expected);
    expect(result.counts.reduce((n, r) => n + (r.count ?? 0), 0)).toBe([...expected.values()].reduce((a, b) => a + b, 0));
    expect(result.unmappedChannels).toEqual([]);
  });

  it('writes zero for a quiet interval of a working detector, and missing for a detector that logged nothing', () => {
    const events = parseEventLog(sample('ApproachVolumeTestLogs.csv')).events.filter((e) => e.param === 2 || e.localMs < Date.UTC(2023, 3, 17, 8, 15));
    const result = countDetectorEvents(events, MAP_7115);
    const p6 = result.counts.filter((r) => r.approachId === '7115:P6');
    expect(p6[0].count).toBeGreaterThan(0);
    expect(p6.slice(1).every((r) => r.count === 0)).toBe(true);

    const onlyChannel2 = countDetectorEvents(parseEventLog(sample('ControllerEvents-ApproachDelay.csv')).events, MAP_7115);
    const none = onlyChannel2.counts.filter((r) => r.approachId === '7115:P6');
    expect(none.length).toBeGreaterThan(0);
    expect(none.every((r) => r.count === null)).toBe(true);
    expect(onlyChannel2.detectors.find((d) => d.channel === 6)?.flags).toEqual(['no-events']);
  });

  it('reports a gap in the log: the intervals inside it are missing, the ones it touches partial', () => {
    const events = parseEventLog(sample('ApproachVolumeTestLogs.csv')).events.filter((e) => e.localMs < Date.UTC(2023, 3, 17, 8, 20) || e.localMs >= Date.UTC(2023, 3, 17, 9, 5));
    const result = countDetectorEvents(events, MAP_7115);
    expect(result.gaps).toHaveLength(1);
    expect(result.gaps[0].fromLocalMs).toBeLessThan(Date.UTC(2023, 3, 17, 8, 20));
    expect(result.gaps[0].toLocalMs).toBeGreaterThanOrEqual(Date.UTC(2023, 3, 17, 9, 5));
    const at = (h: number, m: number) => result.counts.find((r) => r.approachId === '7115:P2' && r.intervalLocalMs === Date.UTC(2023, 3, 17, h, m))!;
    expect(at(8, 30).count).toBeNull();
    expect(at(8, 45).count).toBeNull();
    expect(at(8, 15)).toMatchObject({ partial: true });
    expect(at(8, 15).count).toBeGreaterThan(0);
    expect(at(9, 0)).toMatchObject({ partial: true });
    expect(at(8, 0)).toMatchObject({ partial: false });
  });

  it('reports channels and signals the map does not name instead of dropping them silently', () => {
    const events: ControllerEvent[] = [
      { signalId: '7115', localMs: 0, code: 82, param: 2, line: 1 },
      { signalId: '7115', localMs: 1000, code: 82, param: 9, line: 2 },
      { signalId: '9999', localMs: 2000, code: 82, param: 1, line: 3 },
    ];
    const result = countDetectorEvents(events, MAP_7115);
    expect(result.unmappedChannels).toEqual([{ signalId: '7115', channel: 9, onEvents: 1 }]);
    expect(result.unmappedSignals).toEqual([{ signalId: '9999', events: 1 }]);
  });

  it('flags stuck-on, chattering and silent detectors', () => {
    const on = (ms: number, channel = 2): ControllerEvent => ({ signalId: '7115', localMs: ms, code: EventCode.DetectorOn, param: channel, line: ms });
    const off = (ms: number, channel = 2): ControllerEvent => ({ signalId: '7115', localMs: ms, code: EventCode.DetectorOff, param: channel, line: ms });
    const beat = (ms: number): ControllerEvent => ({ signalId: '7115', localMs: ms, code: EventCode.PhaseBeginGreen, param: 4, line: ms });
    const events: ControllerEvent[] = [];
    // Channel 2 held on for 10 minutes; channel 6 chatters (pairs 50 ms apart); the controller logs a green every minute.
    events.push(on(0), off(600_000));
    for (let t = 0; t < 7_200_000; t += 60_000) events.push(beat(t));
    for (let t = 700_000; t < 1_000_000; t += 10_000) events.push(on(t, 6), on(t + 50, 6));
    const result = countDetectorEvents(sortEvents(events), MAP_7115, { silentMinutes: 60 });
    const ch2 = result.detectors.find((d) => d.channel === 2)!;
    const ch6 = result.detectors.find((d) => d.channel === 6)!;
    expect(ch2.flags).toEqual(expect.arrayContaining(['stuck-on', 'silent']));
    expect(ch2.stuckOn[0].seconds).toBe(600);
    expect(ch6.flags).toEqual(expect.arrayContaining(['chattering', 'silent']));
    expect(ch6.chatterShare).toBeCloseTo(0.5, 2);
    expect(result.gaps).toEqual([]);
  });

  it('flags nothing on the healthy UDOT channels', () => {
    const result = countDetectorEvents(parseEventLog(sample('ApproachVolumeTestLogs.csv')).events, MAP_7115);
    expect(result.detectors.map((d) => d.flags)).toEqual([[], []]);
    expect(result.gaps).toEqual([]);
  });
});

describe('WallClockResolver', () => {
  it('places Utah wall-clock times in UTC and formats them with the zone offset', () => {
    const zone = new WallClockResolver('America/Denver');
    const r = zone.resolve(Date.UTC(2023, 3, 17, 8, 0));
    expect(r).toEqual({ instantMs: Date.UTC(2023, 3, 17, 14, 0), kind: 'exact' });
    expect(zone.format(r.instantMs as number)).toBe('2023-04-17T08:00:00-06:00');
  });

  it('reports the skipped hour and orders the repeated one by the log', () => {
    const zone = new WallClockResolver('America/Denver');
    expect(zone.resolve(Date.UTC(2023, 2, 12, 2, 30)).kind).toBe('nonexistent');
    const first = zone.resolve(Date.UTC(2023, 10, 5, 1, 30));
    const again = zone.resolve(Date.UTC(2023, 10, 5, 1, 10));
    expect(first).toEqual({ instantMs: Date.UTC(2023, 10, 5, 7, 30), kind: 'ambiguous' });
    // 01:10 after 01:30 in the log: the second 01:10 (after clocks went back), not the first.
    expect(again.instantMs).toBe(Date.UTC(2023, 10, 5, 8, 10));
  });
});

describe('detector map', () => {
  it('refuses a detector map with bad entries, naming each', () => {
    expect(() => parseDetectorMap({ signals: { '7115': { detectors: { x: { approach: 'a' }, '3': { approach: 'bad id!', phase: 99, kind: 'loop' } } } } })).toThrow(
      /detectors\.3\.approach[\s\S]*detectors\.3\.phase[\s\S]*detectors\.3\.kind[\s\S]*signals\.7115\.detectors\.x: the channel must be a whole number/,
    );
    expect(() => parseDetectorMap([])).toThrow(/expected \{"signals"/);
  });
});
