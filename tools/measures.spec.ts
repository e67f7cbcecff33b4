import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError, parseMeasuresArgs, runMeasures } from './measures';

const SAMPLES = path.join(__dirname, '..', 'seed-data', 'udot-atspm-samples');

describe('npm run measures', () => {
  it('computes the measures of the UDOT 7115 sample from two files and writes local-time JSON', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'measures-')), 'm.json');
    const lines: string[] = [];
    const options = parseMeasuresArgs([
      '--file', path.join(SAMPLES, 'CycleEvents.csv'), '--file', path.join(SAMPLES, 'ApproachVolumeTestLogs.csv'),
      '--detectors', path.join(SAMPLES, 'detectors-7115.json'), '--from', '2023-04-17 08:00:00', '--to', '4/17/2023 9:00:00', '--out', out,
    ]);
    const [view] = runMeasures(options, (l) => lines.push(l));
    expect(view.arrivalsOnGreen[0]).toMatchObject({ phase: 2, cycles: 23, arrivals: 2069, arrivalsOnGreen: 885 });
    expect(lines.some((l) => /^\s+2\s+23\s+2069\s+885\s+43%\s+39%\s+1\.09$/.test(l))).toBe(true);
    const written = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(written[0].from).toBe('2023-04-17T08:00:00.000');
    expect(written[0].pcd[0].cycles[0].cycleStart).toBe('2023-04-17T08:01:48.800');
    expect(written[0].approachVolumes.map((v: { total: number }) => v.total)).toEqual([2144, 889]);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });

  it('refuses bad options with a clear message', () => {
    expect(() => parseMeasuresArgs(['--detectors', 'x.json'])).toThrow(UsageError);
    expect(() => parseMeasuresArgs(['--file', 'a.csv', '--detectors', 'x.json', '--bin', '7'])).toThrow(/--bin must be 1, 5, 15 or 60/);
    expect(() => parseMeasuresArgs(['--file', 'a.csv', '--detectors', 'x.json', '--from', 'yesterday'])).toThrow(/not a local time/);
    expect(() => runMeasures(parseMeasuresArgs(['--file', path.join(SAMPLES, 'missing.csv'), '--detectors', path.join(SAMPLES, 'detectors-7115.json')]))).toThrow(/cannot read the event log/);
  });
});
