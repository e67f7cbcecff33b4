import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseEventLog } from '@crosscast/controller-events';
import { computeMeasures } from '@crosscast/performance-measures';
import { readCountsCsv } from '@crosscast/seed';
import { UsageError, parseImportEventsArgs, runImportEvents } from './import-events';
import { parseMeasuresArgs, runMeasures } from './measures';

const SAMPLES = path.join(__dirname, '..', 'seed-data', 'udot-atspm-samples');
const MAP = path.join(SAMPLES, 'detectors-7115.json');

describe('npm run import:events', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-events-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a counts CSV that the product reads back, every detector-on counted once, in the controllers zone', async () => {
    const out = path.join(dir, 'counts.csv');
    const options = parseImportEventsArgs(['--file', path.join(SAMPLES, 'ApproachVolumeTestLogs.csv'), '--detectors', MAP, '--out', out, '--time-zone', 'America/Denver']);
    const summary = runImportEvents(options);
    expect(summary.events).toBe(5747);
    const table = await readCountsCsv(out);
    expect(table.intervalMinutes).toBe(15);
    expect(table.rows.reduce((n, r) => n + (r.count ?? 0), 0)).toBe(5747);
    expect(table.rows[0]).toMatchObject({ crossingId: '7115', intervalStartMs: Date.parse('2023-04-17T14:00:00Z') });
    expect(fs.readFileSync(out, 'utf8').split('\n')[1]).toMatch(/^2023-04-17T08:00:00-06:00,7115,7115:P/);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'counts.report.json'), 'utf8'));
    expect(report.detectors.map((d: { onEvents: number }) => d.onEvents)).toEqual([4070, 1677]);
    expect(report.gaps).toEqual([]);
  });

  it('writes hourly counts and the performance measures when asked: the view fusion serves and npm run measures writes', () => {
    const out = path.join(dir, 'hourly.csv');
    const measures = path.join(dir, 'measures.json');
    const file = path.join(SAMPLES, '7115TerminationData.csv');
    runImportEvents(parseImportEventsArgs(['--file', file, '--detectors', MAP, '--out', out, '--interval', '60', '--measures', measures]));
    const written = JSON.parse(fs.readFileSync(measures, 'utf8'));
    // the product's computeMeasures over the whole log (19:00:03.0 to 22:59:50.1 local), hourly volume bins
    const events = parseEventLog(fs.readFileSync(file, 'utf8')).events;
    const channels = [
      { channel: 2, approachId: '7115:P2', phase: 2, kind: 'advance' as const, travelSeconds: 0 },
      { channel: 6, approachId: '7115:P6', phase: 6, kind: 'advance' as const, travelSeconds: 0 },
    ];
    const served = computeMeasures('7115', events, channels, { fromMs: Date.parse('2023-04-17T19:00:03.000Z'), toMs: Date.parse('2023-04-17T22:59:50.101Z'), binMinutes: 60 });
    expect(written).toEqual(JSON.parse(JSON.stringify([served]).replace(/(\d{4}-\d{2}-\d{2}T[\d:.]+)Z"/g, '$1"')));
    // the ATSPM figures of the UDOT sample (as libs/performance-measures/src/udot-sample.spec.ts)
    const [p2, p4] = written[0].splitMonitor;
    expect([p2.phase, p2.cycles, p4.phase, p4.cycles]).toEqual([2, 178, 4, 177]);
    expect(p2.greens.filter((g: { termination: string }) => g.termination === 'force-off')).toHaveLength(59);
    expect(p2.greens[0]).toMatchObject({ greenStart: '2023-04-17T19:00:38.900', greenSeconds: 87.9 });
    // byte for byte what npm run measures writes for the same log and map
    const viaMeasures = path.join(dir, 'via-measures.json');
    runMeasures(parseMeasuresArgs(['--file', file, '--detectors', MAP, '--bin', '60', '--out', viaMeasures]));
    expect(fs.readFileSync(measures, 'utf8')).toBe(fs.readFileSync(viaMeasures, 'utf8'));
    // No detector events in a termination log: the counts are missing, never zero.
    expect(fs.readFileSync(out, 'utf8').trim().split('\n').slice(1).every((line) => line.endsWith(','))).toBe(true);
  });

  it('takes the advance detectors\' travel time from the map, and refuses a bad one before writing anything', () => {
    const map = path.join(dir, 'map.json');
    const write = (travelSeconds: unknown) =>
      fs.writeFileSync(map, JSON.stringify({ signals: { '7115': { crossing: '7115', detectors: { '2': { approach: '7115:P2', phase: 2, kind: 'advance', travelSeconds }, '6': { approach: '7115:P6', phase: 6, kind: 'advance' } } } } }));
    const argv = ['--file', path.join(SAMPLES, 'CycleEvents.csv'), '--detectors', map, '--out', path.join(dir, 'c.csv'), '--measures', path.join(dir, 'm.json')];
    write(8);
    runImportEvents(parseImportEventsArgs(argv));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'm.json'), 'utf8'))[0].channels[0]).toEqual({ channel: 2, approachId: '7115:P2', phase: 2, kind: 'advance', travelSeconds: 8 });
    fs.rmSync(path.join(dir, 'c.csv'));
    write(-3);
    expect(() => runImportEvents(parseImportEventsArgs(argv))).toThrow(/map\.json: signals\.7115\.detectors\.2\.travelSeconds must be a number of seconds from 0 to 120/);
    expect(fs.existsSync(path.join(dir, 'c.csv'))).toBe(false);
  });

  it('refuses a file with bad rows, naming them, unless told to skip them', () => {
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(file, '7115,4/17/2023 8:00:0.2,82,2\n7115,4/31/2023 8:00:0.2,82,2\n7115,4/17/2023 8:00:1.0,82,two\n');
    const argv = ['--file', file, '--detectors', MAP, '--out', path.join(dir, 'c.csv')];
    expect(() => runImportEvents(parseImportEventsArgs(argv))).toThrow(/2 bad row\(s\), nothing written[\s\S]*line 2: timestamp "4\/31\/2023[\s\S]*line 3: event parameter "two"/);
    expect(fs.existsSync(path.join(dir, 'c.csv'))).toBe(false);
    expect(runImportEvents(parseImportEventsArgs([...argv, '--skip-bad-rows'])).badRows).toBe(2);
  });

  it('says what is wrong with the arguments', () => {
    expect(() => parseImportEventsArgs(['--file', 'a'])).toThrow(new UsageError('--detectors is required'));
    expect(() => parseImportEventsArgs(['--file', 'a', '--detectors', 'b', '--out', 'c', '--interval', '7'])).toThrow(/--interval must divide a day/);
    expect(() => parseImportEventsArgs(['--file', 'a', '--detectors', 'b', '--out', 'c', '--time-zone', 'Mars/Base'])).toThrow(/not an IANA time zone/);
    expect(() => parseImportEventsArgs(['--file', 'a', '--detectors', 'b', '--out', 'c', '--colour'])).toThrow(UsageError);
    expect(() => runImportEvents(parseImportEventsArgs(['--file', path.join(dir, 'none.csv'), '--detectors', MAP, '--out', 'c']))).toThrow(/cannot read the event log .*ENOENT/);
  });
});
