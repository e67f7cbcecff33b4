import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CityDefinitionSchema } from '@crosscast/contracts';
import { parseSimImportArgs, runSimImport } from './sim-import';

const FIXTURES = path.join(__dirname, '..', 'libs', 'simulation', 'src', 'import', 'fixtures');

describe('npm run sim:import', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-sim-import-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads its arguments, and refuses a call without a format or an output folder', () => {
    expect(parseSimImportArgs(['--sumo', 'a.net.xml', '--routes', 'r.xml', '--out', 'd'])).toEqual({ sumo: 'a.net.xml', routes: 'r.xml', out: 'd' });
    expect(parseSimImportArgs(['--cityflow', 'roadnet.json', 'flow.json', '--out', 'd', '--flat-day'])).toEqual({ cityflow: ['roadnet.json', 'flow.json'], out: 'd', flatDay: true });
    expect(() => parseSimImportArgs(['--out', 'd'])).toThrow(/usage: npm run sim:import/);
    expect(() => parseSimImportArgs(['--sumo', 'a', '--cityflow', 'b', '--out', 'd'])).toThrow(/usage/);
    expect(() => parseSimImportArgs(['--sumo', 'a'])).toThrow(/usage/);
  });

  it('writes the same bytes for the same input, a valid crossings.json among them', () => {
    const run = (out: string) => {
      runSimImport({ sumo: path.join(FIXTURES, 'two-junctions.net.xml'), routes: path.join(FIXTURES, 'two-junctions.rou.xml'), out, name: 'two' });
      return Object.fromEntries(fs.readdirSync(out).sort().map((f) => [f, fs.readFileSync(path.join(out, f))]));
    };
    const a = run(path.join(tmp, 'a'));
    const b = run(path.join(tmp, 'b'));
    expect(Object.keys(a)).toEqual(['crossings.json', 'sim-network.json', 'vehicles.json']);
    for (const f of Object.keys(a)) expect(b[f].equals(a[f])).toBe(true);
    expect(CityDefinitionSchema.parse(JSON.parse(a['crossings.json'].toString())).crossings.map((c) => c.id)).toEqual(['J1']);
  });

  it('writes nothing when the import is refused', () => {
    const bad = path.join(tmp, 'bad.net.xml');
    fs.writeFileSync(bad, fs.readFileSync(path.join(FIXTURES, 'two-junctions.net.xml'), 'utf8').replace('</net>', '<roundabout2 edges="x"/>\n</net>'));
    const out = path.join(tmp, 'refused');
    expect(() => runSimImport({ sumo: bad, out })).toThrow(/<roundabout2> \(line \d+\) is not supported in a SUMO network/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('says how to get traffic lights when a network has none, and writes nothing', () => {
    // the fixture with J1 a priority junction: no signalised crossing left for fusion and the workers
    const net = fs.readFileSync(path.join(FIXTURES, 'two-junctions.net.xml'), 'utf8').replace('<junction id="J1" type="traffic_light"', '<junction id="J1" type="priority"');
    const file = path.join(tmp, 'no-lights.net.xml');
    fs.writeFileSync(file, net.replace(/ tl="J1" linkIndex="\d+"/g, '').replace(/<tlLogic[\s\S]*?<\/tlLogic>/, ''));
    const out = path.join(tmp, 'no-lights');
    expect(() => runSimImport({ sumo: file, out })).toThrow(/no-lights\.net\.xml has no traffic lights .* --tls\.guess true/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('imports a CityFlow roadnet and flow', () => {
    const out = path.join(tmp, 'cityflow');
    const { imported } = runSimImport({ cityflow: [path.join(FIXTURES, 'one-intersection.roadnet.json'), path.join(FIXTURES, 'one-intersection.flow.json')], out });
    expect(imported.signalised).toEqual(['i']);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'vehicles.json'), 'utf8')).vehicles).toHaveLength(7);
  });
});
