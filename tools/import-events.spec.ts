import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCountsCsv } from '@crosscast/seed';
import { UsageError, parseImportEventsArgs, runImportEvents } from './import-events';

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

  it('writes hourly counts and the performance measures when asked', () => {
    const out = path.join(dir, 'hourly.csv');
    const measures = path.join(dir, 'measures.json');
    runImportEvents(parseImportEventsArgs(['--file', path.join(SAMPLES, '7115TerminationData.csv'), '--detectors', MAP, '--out', out, '--interval', '60', '--measures', measures]));
    const [signal] = JSON.parse(fs.readFileSync(measures, 'utf8'));
    expect(signal.splitMonitor.map((p: { phase: number }) => p.phase)).toEqual([2, 4]);
    // No detector events in a termination log: the counts are missing, never zero.
    expect(fs.readFileSync(out, 'utf8').trim().split('\n').slice(1).every((line) => line.endsWith(','))).toBe(true);
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
