import { generateGrid } from '../grid';
import { sumoConnections, sumoConnectionsXml, sumoEdgesXml, sumoNodesXml, sumoRoutesXml, sumoTlsXml } from './writers';

describe('SUMO writers', () => {
  const network = generateGrid({ rows: 2, cols: 2, demandLevel: 300, seed: 1, lanes: 2 });
  const links = new Map(network.links.map((l) => [l.id, l]));

  it('writes every node and edge, crossings as traffic lights, edges with our length, lanes and speed', () => {
    const nodes = sumoNodesXml(network);
    expect(nodes.match(/<node /g)).toHaveLength(network.nodes.length);
    expect(nodes).toContain('<node id="c0_0" x="0" y="200" type="traffic_light"/>');
    const edges = sumoEdgesXml(network);
    expect(edges.match(/<edge /g)).toHaveLength(network.links.length);
    expect(edges).toContain('<edge id="c0_0-c0_1" from="c0_0" to="c0_1" numLanes="2" speed="13.89" length="200"/>');
  });

  it('gives each crossing connections with link indices 0..n-1: right from lane 0, left from the last lane, through from every lane', () => {
    const connections = sumoConnections(network.crossings[0], links);
    expect(connections.map((c) => c.linkIndex)).toEqual(connections.map((_, i) => i));
    expect(connections).toHaveLength(4 * (1 + 1 + 2)); // per approach: right, left, two through lanes
    const fromNorth = connections.filter((c) => c.from === 'bN0-c0_0');
    expect(fromNorth.map((c) => [c.to, c.fromLane, c.toLane])).toEqual(expect.arrayContaining([['c0_0-bW0', 0, 0], ['c0_0-c0_1', 1, 1], ['c0_0-c1_0', 0, 0], ['c0_0-c1_0', 1, 1]]));
    expect(sumoConnectionsXml(network).match(/<connection /g)).toHaveLength(4 * connections.length);
  });

  it('writes each fixed plan as green, amber, all-red per phase with one state letter per connection', () => {
    const xml = sumoTlsXml(network);
    const phases = [...xml.matchAll(/<tlLogic id="c0_0"[^]*?<\/tlLogic>/g)][0][0];
    const states = [...phases.matchAll(/duration="([\d.]+)" state="([^"]+)"/g)].map((m) => [Number(m[1]), m[2]] as const);
    expect(states.map(([d]) => d)).toEqual([25, 3, 2, 25, 3, 2]);
    for (const [, state] of states) expect(state).toHaveLength(16);
    expect(states[0][1]).toMatch(/^[Ggr]+$/);
    expect(states[0][1]).toContain('g'); // permitted lefts yield by default
    expect(states[1][1].replace(/r/g, '')).toMatch(/^y+$/);
    expect(states[2][1]).toBe('r'.repeat(16));
    // the two greens serve complementary connections
    for (let i = 0; i < 16; i++) expect(states[0][1][i] === 'r').not.toBe(states[3][1][i] === 'r');
    expect(sumoTlsXml(network, { permittedLeft: false })).not.toMatch(/state="[^"]*g/);
    expect(xml.match(/<connection [^>]*tl="c0_0"/g)).toHaveLength(16);
  });

  it('writes routes sorted by departure time', () => {
    const xml = sumoRoutesXml([
      { vehicle: 2, departSeconds: 5.5, route: ['a', 'b'] },
      { vehicle: 1, departSeconds: 1.25, route: ['c'] },
    ]);
    expect(xml.indexOf('id="1"')).toBeLessThan(xml.indexOf('id="2"'));
    expect(xml).toContain('<vehicle id="1" type="car" depart="1.25" departLane="best" departSpeed="max"><route edges="c"/></vehicle>');
    expect(xml).toContain('<vType id="car" accel="2.6" decel="4.5" sigma="0.5"');
  });

  it('exports lane groups: a left-turn lane serves only lefts, and a permissive left yields (g) even when other lefts get priority', () => {
    const lanes = generateGrid({ rows: 1, cols: 1, demandLevel: 300, seed: 1, lanes: 3, laneLayout: 'left-lane', leftTurns: 'permissive' });
    const byId = new Map(lanes.links.map((l) => [l.id, l]));
    const fromNorth = sumoConnections(lanes.crossings[0], byId).filter((c) => c.from === 'bN0-c0_0');
    expect(fromNorth.filter((c) => c.left).map((c) => c.fromLane)).toEqual([2]);
    expect(fromNorth.filter((c) => !c.left).map((c) => c.fromLane).sort()).toEqual([0, 0, 1]); // right from lane 0, through from 0 and 1
    const tls = sumoTlsXml(lanes, { permittedLeft: false });
    expect(tls).toMatch(/state="[^"]*g/);
  });

  it('splits a link with a turn bay into an upstream edge and a stop-line edge with the bay lane, and routes over both', () => {
    const bay = generateGrid({ rows: 1, cols: 1, demandLevel: 300, seed: 1, laneLayout: 'left-bay', leftTurns: 'permissive', leftBayLengthM: 40 });
    const edges = sumoEdgesXml(bay);
    expect(edges).toContain('<edge id="bN0-c0_0.up" from="bN0" to="bN0-c0_0.bay" numLanes="2" speed="13.89" length="160"/>');
    expect(edges).toContain('<edge id="bN0-c0_0" from="bN0-c0_0.bay" to="c0_0" numLanes="3" speed="13.89" length="40"/>');
    expect(sumoNodesXml(bay)).toContain('<node id="bN0-c0_0.bay" x="0" y="40" type="priority"/>');
    const connections = sumoConnectionsXml(bay);
    expect(connections).toContain('<connection from="bN0-c0_0.up" to="bN0-c0_0" fromLane="1" toLane="2"/>'); // the bay opens off the left lane
    const byId = new Map(bay.links.map((l) => [l.id, l]));
    const left = sumoConnections(bay.crossings[0], byId).filter((c) => c.from === 'bN0-c0_0' && c.left);
    expect(left.map((c) => c.fromLane)).toEqual([2]);
    expect(sumoRoutesXml([{ vehicle: 1, departSeconds: 0, route: ['bN0-c0_0', 'c0_0-bS0'] }], undefined, bay)).toContain('<route edges="bN0-c0_0.up bN0-c0_0 c0_0-bS0"/>');
  });
});
