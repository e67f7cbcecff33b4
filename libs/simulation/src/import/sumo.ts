/**
 * SUMO network (`.net.xml`, as netconvert / netgenerate write it) and routes (`.rou.xml`)
 * into the engine's network: text in, data out, no I/O.
 *
 * Supported subset (everything else is refused, or named in the notes when it is left out):
 * - Edges (not internal): one link per edge, lanes that allow passenger cars only; length =
 *   the lane length plus the mean length of the internal (junction) lanes its connections
 *   drive through, so a route is as long as in SUMO; speed = the fastest car lane.
 * - Junctions: `traffic_light` → a signalised crossing; `priority`, `priority_stop`,
 *   `right_before_left`, `left_before_right`, `unregulated` → an unsignalised crossing
 *   (one always-green phase, movements yield as the junction's `response` bits say);
 *   `dead_end`, and any junction whose edges all lead to one neighbour (netgenerate's
 *   fringe nodes) → a boundary node where vehicles enter and leave.
 * - Connections between car lanes → movements (from-edge, to-edge; kind from `dir`) and lane
 *   groups (neighbouring lanes serving the same turns share a queue).
 * - `tlLogic` of type `static` (fixed time) and `actuated`: phases without yellow are our
 *   phases (a movement is in a phase when any of its connections shows G, g, s, o or O);
 *   the yellow and red phases after one are its amber and all-red. A 'g' movement yields to
 *   the G movements of other approaches it conflicts with (`foes`).
 * - Routes: `vehicle` with a `route` child or a `route` id, `flow` with `route` and
 *   `begin`/`end` and one of `number`, `period`, `vehsPerHour` (evenly spaced, as SUMO
 *   does), `vType` (noted: every vehicle drives at the link speed).
 */
import { nodeNeighbours } from '@crosscast/network';
import type { ScheduledVehicle } from '../engine';
import { Crossing, FixedTimePlan, Movement, MovementKind, Network, NetworkLink, NetworkNode, SignalControl, SignalPhase, LaneGroup } from '../network';
import { ImportLog, ImportedNetwork, entryDemandFromVehicles, setTurnSharesFromVehicles } from './report';
import { XmlElement, parseXml } from './xml';

export interface SumoImportOptions {
  /** Interval of the entry demand counted from the routes, seconds (default 900). */
  demandIntervalSeconds?: number;
  /**
   * The car whose braking and speeding up around junctions becomes each movement's
   * approachLossSeconds, whose following a slow movement's minHeadwaySeconds and whose
   * time through the junction a yielding movement's clearing times (default SUMO's
   * passenger car: accel 2.6, decel 4.5 m/s², reaction time tau 1 s, length 5 m, minGap
   * 2.5 m); null: none of them.
   */
  car?: { accel: number; decel: number; tau?: number; length?: number; minGap?: number; saturationHeadwaySeconds?: number } | null;
}

/**
 * SUMO's passenger car discharges a saturated queue at road speed (50 km/h) about 1.9 s
 * apart per lane (SUMO_CALIBRATED's 1,900 veh/h/lane). A movement driven at a lower speed v
 * discharges at that plus the car spacing's longer time at v, (length + minGap) × (1/v −
 * 1/road speed): measured in SUMO on a signalised approach carrying right turns only
 * (netgenerate grid, junction radius 4, 8, 12, 16 m: turns at 6.5, 8.3, 9.8, 11.1 m/s) it
 * discharges 2.51, 2.21, 2.09, 2.00 s apart (16.8, 19.0, 20.1, 21.0 cars per 42 s of effective
 * green; straight through 22.1, 1.90 s), this gives 2.51, 2.26, 2.12, 2.03 s; the Krauss car's
 * own following headway τ + (length + minGap) / v (its dawdling left out) gives 2.15, 1.90,
 * 1.76, 1.67 s (bench:import, junction_checks).
 */
const SUMO_SATURATION_HEADWAY_S = 3600 / 1900;

/** SUMO's default: a vehicle on a minor link sees foes from 4.5 m before the junction. */
const MINOR_VISIBILITY_M = 4.5;

const UNSIGNALISED = new Set(['priority', 'priority_stop', 'right_before_left', 'left_before_right', 'unregulated']);
const IGNORED_NET = new Set(['location', 'type', 'roundabout', 'param']);
const GREEN = new Set(['G', 'g', 's', 'o', 'O']);

interface SumoLane { id: string; index: number; speed: number; length: number; car: boolean }
interface SumoEdge { id: string; from: string; to: string; lanes: SumoLane[]; line: number }
interface SumoConnection { from: string; to: string; fromLane: number; toLane: number; via?: string; tl?: string; linkIndex?: number; dir: string; line: number }
interface SumoJunction { id: string; type: string; x: number; y: number; incLanes: string[]; intLanes: string[]; requests: { index: number; response: string; foes: string; cont: boolean }[] }
interface SumoPhase { duration: number; state: string; minDur?: number; maxDur?: number }
interface SumoTls { id: string; type: string; offset: number; phases: SumoPhase[]; params: Record<string, string>; line: number }

export function importSumo(netXml: string, routesXml?: string, options: SumoImportOptions = {}): ImportedNetwork {
  const log = new ImportLog();
  const net = parseXml(netXml);
  if (net.name !== 'net') throw new Error(`a SUMO network file starts with <net>, not <${net.name}>`);

  const edges: SumoEdge[] = [];
  const internalLength = new Map<string, number>();
  const internalSpeed = new Map<string, number>();
  const junctions = new Map<string, SumoJunction>();
  const connections: SumoConnection[] = [];
  const internalVia = new Map<string, string>(); // internal lane → the next internal lane
  const tls = new Map<string, SumoTls>();
  const num = (el: XmlElement, name: string, fallback?: number): number => {
    const raw = el.attrs[name];
    if (raw === undefined) {
      if (fallback !== undefined) return fallback;
      log.problem(`<${el.name}> on line ${el.line} has no ${name}`);
      return NaN;
    }
    const v = Number(raw);
    if (!Number.isFinite(v)) log.problem(`<${el.name}> on line ${el.line}: ${name}="${raw}" is not a number`);
    return v;
  };

  for (const el of net.children) {
    if (IGNORED_NET.has(el.name)) {
      log.note(`SUMO <${el.name}> not used (coordinates are read as metres; edge values come from the edges themselves)`, el.name);
      continue;
    }
    if (el.name === 'edge') {
      const fn = el.attrs.function ?? 'normal';
      if (fn === 'internal') {
        for (const lane of el.children.filter((c) => c.name === 'lane')) {
          internalLength.set(lane.attrs.id, num(lane, 'length'));
          internalSpeed.set(lane.attrs.id, num(lane, 'speed'));
        }
        continue;
      }
      if (fn !== 'normal') {
        log.problem(`edge ${el.attrs.id} (line ${el.line}): function="${fn}" (pedestrian crossings and walking areas) is not supported`);
        continue;
      }
      const lanes: SumoLane[] = [];
      for (const c of el.children) {
        if (c.name === 'lane') {
          for (const sub of c.children) if (sub.name !== 'param') log.problem(`lane ${c.attrs.id} (line ${sub.line}): <${sub.name}> is not supported`);
          lanes.push({ id: c.attrs.id, index: num(c, 'index'), speed: num(c, 'speed'), length: num(c, 'length'), car: allowsCars(c.attrs.allow, c.attrs.disallow) });
        } else if (c.name === 'param') {
          log.note('SUMO edge <param> not used', el.attrs.id);
        } else log.problem(`edge ${el.attrs.id} (line ${c.line}): <${c.name}> is not supported`);
      }
      lanes.sort((a, b) => a.index - b.index);
      edges.push({ id: el.attrs.id, from: el.attrs.from, to: el.attrs.to, lanes, line: el.line });
      continue;
    }
    if (el.name === 'junction') {
      if (el.attrs.type === 'internal') continue;
      const requests = [];
      for (const c of el.children) {
        if (c.name === 'request') requests.push({ index: num(c, 'index'), response: c.attrs.response ?? '', foes: c.attrs.foes ?? '', cont: c.attrs.cont === '1' });
        else if (c.name !== 'param') log.problem(`junction ${el.attrs.id} (line ${c.line}): <${c.name}> is not supported`);
      }
      junctions.set(el.attrs.id, {
        id: el.attrs.id, type: el.attrs.type ?? 'priority', x: num(el, 'x'), y: num(el, 'y'),
        incLanes: (el.attrs.incLanes ?? '').split(/\s+/).filter(Boolean), intLanes: (el.attrs.intLanes ?? '').split(/\s+/).filter(Boolean), requests,
      });
      continue;
    }
    if (el.name === 'connection') {
      const from = el.attrs.from;
      if (from.startsWith(':')) {
        if (el.attrs.via) internalVia.set(`${from}_${el.attrs.fromLane}`, el.attrs.via);
        continue;
      }
      connections.push({
        from, to: el.attrs.to, fromLane: num(el, 'fromLane'), toLane: num(el, 'toLane'), via: el.attrs.via, tl: el.attrs.tl,
        linkIndex: el.attrs.linkIndex !== undefined ? num(el, 'linkIndex') : undefined, dir: el.attrs.dir ?? 's', line: el.line,
      });
      continue;
    }
    if (el.name === 'tlLogic') {
      const phases: SumoPhase[] = [];
      const params: Record<string, string> = {};
      for (const c of el.children) {
        if (c.name === 'phase') {
          if (c.attrs.next !== undefined) log.problem(`tlLogic ${el.attrs.id}: phase with next="${c.attrs.next}" (line ${c.line}) is not supported, only the phases in order`);
          phases.push({ duration: num(c, 'duration'), state: c.attrs.state ?? '', ...(c.attrs.minDur ? { minDur: num(c, 'minDur') } : {}), ...(c.attrs.maxDur ? { maxDur: num(c, 'maxDur') } : {}) });
        } else if (c.name === 'param') params[c.attrs.key] = c.attrs.value;
        else log.problem(`tlLogic ${el.attrs.id} (line ${c.line}): <${c.name}> is not supported`);
      }
      if (tls.has(el.attrs.id)) {
        log.note('SUMO tlLogic with more than one program: the first one is used', el.attrs.id);
        continue;
      }
      tls.set(el.attrs.id, { id: el.attrs.id, type: el.attrs.type ?? 'static', offset: num(el, 'offset', 0), phases, params, line: el.line });
      continue;
    }
    log.problem(`<${el.name}> (line ${el.line}) is not supported in a SUMO network`);
  }
  log.throwIfProblems();

  // ---- car edges and lanes
  const carEdges: SumoEdge[] = [];
  for (const e of edges) {
    const car = e.lanes.filter((l) => l.car);
    if (car.length === 0) { log.note('SUMO edges without a lane for passenger cars left out', e.id); continue; }
    if (car.length < e.lanes.length) log.note('SUMO lanes closed to passenger cars left out', e.lanes.filter((l) => !l.car).map((l) => l.id).join(' '));
    carEdges.push({ ...e, lanes: car });
  }
  const edgeById = new Map(carEdges.map((e) => [e.id, e]));
  const carLaneIndex = new Map<string, number>(); // "<edge>_<sumo lane index>" → our lane index (0 = rightmost car lane)
  for (const e of carEdges) e.lanes.forEach((l, i) => carLaneIndex.set(`${e.id}_${l.index}`, i));
  const carConnections = connections.filter((c) => {
    const ok = carLaneIndex.has(`${c.from}_${c.fromLane}`) && carLaneIndex.has(`${c.to}_${c.toLane}`);
    if (!ok && edgeById.has(c.from) && edgeById.has(c.to)) log.note('SUMO connections from or to a lane closed to cars left out', `${c.from}_${c.fromLane}>${c.to}_${c.toLane}`);
    return ok;
  });

  // ---- node kinds
  const neighbours = nodeNeighbours(carEdges);
  const usedJunctions = [...neighbours.keys()].sort();
  // the routes are read first: a one-neighbour junction where a route turns around stays a crossing
  const routeEdges = routesXml === undefined ? [] : importSumoRoutes(routesXml, new Set(carEdges.map((e) => e.id)), log);
  log.throwIfProblems();
  const turnedAt = new Set<string>();
  for (const v of routeEdges) for (let k = 0; k + 1 < v.route.length; k++) {
    const a = edgeById.get(v.route[k])!;
    const b = edgeById.get(v.route[k + 1])!;
    if (a.from === b.to && a.to === b.from) turnedAt.add(a.to);
  }
  const kind = new Map<string, 'signal' | 'unsignalised' | 'boundary'>();
  for (const id of usedJunctions) {
    const j = junctions.get(id);
    if (!j) { log.problem(`an edge refers to junction ${id}, which is not in the network`); continue; }
    const ends = (neighbours.get(id)!.size <= 1 && !turnedAt.has(id)) || !carEdges.some((e) => e.from === id) || !carEdges.some((e) => e.to === id);
    if (j.type === 'dead_end' || (ends && j.type !== 'traffic_light')) kind.set(id, 'boundary');
    else if (j.type === 'traffic_light') kind.set(id, 'signal');
    else if (UNSIGNALISED.has(j.type)) kind.set(id, 'unsignalised');
    else log.problem(`junction ${id}: type "${j.type}" is not supported (supported: traffic_light, ${[...UNSIGNALISED].join(', ')}, dead_end)`);
  }
  log.throwIfProblems();
  for (const id of usedJunctions) {
    const j = junctions.get(id)!;
    if (kind.get(id) === 'boundary' && j.type !== 'dead_end') log.note('SUMO junctions at the edge of the network (all edges to one neighbour) become boundary nodes; their U-turns are not modelled, vehicles leave there', id);
    if (kind.get(id) !== 'boundary' && neighbours.get(id)!.size <= 1) log.note('SUMO dead-end junctions where routes turn around run as unsignalised crossings (no entry demand there)', id);
    if (j.type === 'right_before_left' || j.type === 'left_before_right') log.note(`SUMO ${j.type} junctions run as unsignalised crossings with the yields of their response bits`, id);
  }

  // ---- ids the product accepts
  const crossingIdOf = new Map<string, string>();
  const taken = new Set<string>();
  for (const id of usedJunctions) {
    let clean = id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 32) || 'x';
    if (taken.has(clean)) { let k = 2; while (taken.has(`${clean.slice(0, 28)}_${k}`)) k++; clean = `${clean.slice(0, 28)}_${k}`; }
    taken.add(clean);
    crossingIdOf.set(id, clean);
    if (clean !== id) log.note('SUMO junction ids changed to letters, digits, "-" and "_" (1-32 characters)', `${id} → ${clean}`);
  }
  const nodes: NetworkNode[] = usedJunctions.map((id) => ({
    id: crossingIdOf.get(id)!, kind: kind.get(id) === 'boundary' ? 'boundary' : 'crossing', x: round3(junctions.get(id)!.x), y: round3(junctions.get(id)!.y),
  }));

  // ---- internal path lengths per connection
  const chain = (c: SumoConnection): string[] => {
    const lanes: string[] = [];
    let via = c.via;
    while (via && lanes.length < 8) {
      lanes.push(via);
      via = internalVia.get(via);
    }
    return lanes;
  };
  const pathLength = (c: SumoConnection) => chain(c).reduce((s, lane) => s + (internalLength.get(lane) ?? 0), 0);
  const pathTime = (c: SumoConnection) => chain(c).reduce((s, lane) => s + (internalLength.get(lane) ?? 0) / (internalSpeed.get(lane) ?? Infinity), 0);

  // ---- links
  const links: NetworkLink[] = [];
  const queueCar = options.car === undefined ? { length: 5, minGap: 2.5 } : options.car;
  const linkLaneSpeed = new Map<string, number>();
  for (const e of carEdges) {
    const out = carConnections.filter((c) => c.from === e.id && kind.get(e.to) !== 'boundary');
    const inside = out.length > 0 ? out.reduce((s, c) => s + pathLength(c), 0) / out.length : 0;
    const insideTime = out.length > 0 ? out.reduce((s, c) => s + pathTime(c), 0) / out.length : 0;
    const laneLength = Math.max(...e.lanes.map((l) => l.length));
    const speeds = new Set(e.lanes.map((l) => l.speed));
    if (speeds.size > 1) log.note('SUMO edges whose lanes have different speeds: the fastest is used', e.id);
    const laneSpeed = Math.max(...speeds);
    linkLaneSpeed.set(e.id, laneSpeed);
    // the link's speed makes its free-flow time the lane's plus the junction lanes' (slower in turns)
    const speed = inside > 0 ? (laneLength + inside) / (laneLength / laneSpeed + insideTime) : laneSpeed;
    const link: NetworkLink = { id: e.id, from: crossingIdOf.get(e.from)!, to: crossingIdOf.get(e.to)!, lengthM: round3(laneLength + inside), lanes: e.lanes.length, speedMps: round3(speed) };
    // a queue stands on the edge's lanes, not in the junction: each lane holds the cars whose length and gap fit on it
    if (queueCar) {
      const spacing = (queueCar.length ?? 5) + (queueCar.minGap ?? 2.5);
      link.storageVehicles = Math.max(1, e.lanes.reduce((sum, l) => sum + Math.floor((l.length + (queueCar.minGap ?? 2.5)) / spacing), 0));
    }
    links.push(link);
  }
  const linkById = new Map(links.map((l) => [l.id, l]));

  // ---- crossings
  const crossings: Crossing[] = [];
  const signalised: string[] = [];
  for (const jid of usedJunctions) {
    const k = kind.get(jid);
    if (k === 'boundary') continue;
    const j = junctions.get(jid)!;
    const cid = crossingIdOf.get(jid)!;
    const approaches = carEdges.filter((e) => e.to === jid).map((e) => e.id);
    const conns = carConnections.filter((c) => edgeById.get(c.from)!.to === jid);
    // junction link index of a connection: its internal lane's place in intLanes, else its place by incoming lane
    const byInc = [...conns].sort((a, b) => j.incLanes.indexOf(`${a.from}_${a.fromLane}`) - j.incLanes.indexOf(`${b.from}_${b.fromLane}`));
    const requestIndex = new Map<SumoConnection, number>();
    for (const c of conns) {
      const at = chain(c).map((lane) => j.intLanes.indexOf(lane)).find((i) => i >= 0);
      requestIndex.set(c, at ?? byInc.indexOf(c));
    }
    // movements
    const movementOf = new Map<SumoConnection, Movement>();
    const movements: Movement[] = [];
    for (const c of [...conns].sort((a, b) => a.from.localeCompare(b.from) || a.fromLane - b.fromLane || a.to.localeCompare(b.to))) {
      const id = `${c.from}>${c.to}`;
      let m = movements.find((x) => x.id === id);
      if (!m) {
        m = { id, fromLink: c.from, toLink: c.to, kind: turnOf(c.dir), share: 0 };
        movements.push(m);
      }
      movementOf.set(c, m);
    }
    for (const a of approaches) {
      if (!movements.some((m) => m.fromLink === a)) log.problem(`edge ${a} ends at junction ${jid} with no connection onward (only boundary junctions may end a road)`);
    }
    // lane groups: neighbouring lanes with the same turns share one queue
    for (const a of approaches) {
      const link = linkById.get(a)!;
      const turnsOfLane = Array.from({ length: link.lanes }, (_, i) =>
        [...new Set(conns.filter((c) => c.from === a && carLaneIndex.get(`${c.from}_${c.fromLane}`) === i).map((c) => movementOf.get(c)!.kind))].sort());
      for (let i = 0; i < turnsOfLane.length; i++) {
        if (turnsOfLane[i].length > 0) continue;
        const near = turnsOfLane.findIndex((t) => t.length > 0);
        if (near >= 0) {
          turnsOfLane[i] = [...turnsOfLane[near]];
          log.note('SUMO lanes without a connection share the queue of the nearest lane that has one', `${a}_${edgeById.get(a)!.lanes[i].index}`);
        }
      }
      const groups: LaneGroup[] = [];
      for (const turns of turnsOfLane) {
        const last = groups[groups.length - 1];
        if (last && last.turns.join() === turns.join()) last.lanes++;
        else groups.push({ lanes: 1, turns: turns as MovementKind[] });
      }
      if (groups.length > 8) log.problem(`edge ${a}: more than 8 groups of lanes with different turns`);
      link.laneGroups = groups;
    }

    let phases: SignalPhase[];
    let control: SignalControl;
    const yields = new Map<Movement, Set<Movement>>();
    const addYield = (m: Movement, foe: Movement) => {
      if (foe === m || foe.fromLink === m.fromLink) return;
      if (!yields.has(m)) yields.set(m, new Set());
      yields.get(m)!.add(foe);
    };
    const bit = (s: string, index: number) => s.length > index && s[s.length - 1 - index] === '1';
    if (k === 'signal') {
      signalised.push(cid);
      const tlIds = [...new Set(conns.map((c) => c.tl).filter((x): x is string => !!x))];
      const logic = tlIds.length === 1 ? tls.get(tlIds[0]) : undefined;
      if (tlIds.length !== 1 || !logic) { log.problem(`traffic light junction ${jid}: its connections name ${tlIds.length === 0 ? 'no tlLogic' : `tlLogic ${tlIds.join(', ')}`} (exactly one program per junction is supported)`); continue; }
      if (carEdges.some((e) => e.to !== jid && carConnections.some((c) => c.from === e.id && c.tl === logic.id))) {
        log.problem(`tlLogic ${logic.id} controls more than junction ${jid} (joined traffic lights are not supported)`);
        continue;
      }
      const mapped = mapProgram(logic, jid, conns, movementOf, log);
      if (!mapped) continue;
      phases = mapped.phases;
      control = mapped.control;
      // as SUMO at a traffic light: a minor-green ('g') link yields to the links its response bits name, when both are green in a phase
      mapped.mainStates.forEach((state) => {
        for (const c of conns) {
          if (state[c.linkIndex!] !== 'g') continue;
          const r = j.requests.find((x) => x.index === requestIndex.get(c));
          if (!r) continue;
          for (const f of conns) {
            if (GREEN.has(state[f.linkIndex!]) && bit(r.response, requestIndex.get(f)!)) addYield(movementOf.get(c)!, movementOf.get(f)!);
          }
        }
      });
    } else {
      phases = [{ id: 'always', movements: movements.map((m) => m.id) }];
      control = { kind: 'fixed', plan: { greenSeconds: [3600], amberSeconds: 0, allRedSeconds: 0, offsetSeconds: 0 } };
      for (const c of conns) {
        const r = j.requests.find((x) => x.index === requestIndex.get(c));
        if (!r) continue;
        for (const f of conns) if (bit(r.response, requestIndex.get(f)!)) addYield(movementOf.get(c)!, movementOf.get(f)!);
      }
    }
    // mutual yields (the engine refuses them) are dropped on both sides, with a note
    for (const [m, foes] of yields) {
      for (const f of [...foes]) {
        if (yields.get(f)?.has(m)) {
          foes.delete(f);
          yields.get(f)!.delete(m);
          log.note('SUMO movements that yield to each other run without yielding', `${m.id} / ${f.id}`);
        }
      }
    }
    const inPhase = new Set(phases.flatMap((p) => p.movements));
    const kept = movements.filter((m) => {
      if (inPhase.has(m.id)) return true;
      log.note('SUMO connections that never get green left out', m.id);
      return false;
    });
    for (const m of kept) {
      const foes = [...(yields.get(m) ?? [])].filter((f) => kept.includes(f)).map((f) => f.id).sort();
      if (foes.length > 0) m.yieldsTo = foes;
    }
    // approach loss: braking to the turn's speed (or, on a minor link, to the speed it can stop from within
    // the visibility distance) and speeding up to the next road's, as SUMO's car does: (Δv)² / (2 b v) + (Δv')² / (2 a v')
    const car = options.car === undefined ? { accel: 2.6, decel: 4.5, saturationHeadwaySeconds: SUMO_SATURATION_HEADWAY_S } : options.car;
    if (car) {
      for (const m of kept) {
        const cs = conns.filter((c) => movementOf.get(c) === m);
        const turnSpeed = cs.reduce((s, c) => s + Math.min(...chain(c).map((lane) => internalSpeed.get(lane) ?? Infinity)), 0) / cs.length;
        const vIn = linkLaneSpeed.get(m.fromLink)!;
        const vOut = linkLaneSpeed.get(m.toLink)!;
        let vTurn = Math.min(vIn, vOut, Number.isFinite(turnSpeed) ? turnSpeed : Infinity);
        if (m.yieldsTo) vTurn = Math.min(vTurn, Math.sqrt(2 * car.decel * MINOR_VISIBILITY_M));
        const loss = (vIn - vTurn) ** 2 / (2 * car.decel * vIn) + (vOut - vTurn) ** 2 / (2 * car.accel * vOut);
        if (loss > 0.005) m.approachLossSeconds = round3(loss);
        // a queue crossing the stop line at vTurn: each car follows at its reaction time plus its length and gap over vTurn
        if (vTurn < vIn) m.minHeadwaySeconds = round3(followingHeadway(vTurn, car, vIn));
      }
      // clearing time of a yielding movement: SUMO lets a minor vehicle go when its foe reaches the junction no earlier
      // than it has left its junction path, and only after the foe has left its own; those paths (internal lanes) are
      // what a junction without them, where the critical gap was calibrated, does not have (see junctionClearing).
      // From a stop, and arriving at the speed it approaches a minor link with (as for the approach loss)
      const minorApproach = (m: Movement) => Math.min(linkLaneSpeed.get(m.fromLink)!, linkLaneSpeed.get(m.toLink)!, Math.sqrt(2 * car.decel * MINOR_VISIBILITY_M));
      const lanesOf = (lanes: string[]) => lanes.map((lane) => ({ length: internalLength.get(lane) ?? 0, speed: internalSpeed.get(lane) ?? Infinity }));
      for (const m of kept) {
        if (!m.yieldsTo) continue;
        const foes = m.yieldsTo.map((id) => kept.find((x) => x.id === id)!);
        const cs = conns.filter((c) => movementOf.get(c) === m);
        const vApproach = minorApproach(m);
        let stopped = 0;
        let moving = 0;
        for (const c of cs) {
          const cont = j.requests.find((x) => x.index === requestIndex.get(c))?.cont ?? false;
          const ego = lanesOf(cont ? chain(c).slice(1) : chain(c)); // a 'cont' link waits inside the junction, after its first lane
          const foeConns = conns.filter((f) => foes.includes(movementOf.get(f)!));
          const foePaths = foeConns.map((f) => lanesOf(chain(f)));
          // a foe that yields itself crosses at the speed it approaches its minor link with, and speeds up on its path
          const foeSpeeds = foeConns.map((f) => (movementOf.get(f)!.yieldsTo ? minorApproach(movementOf.get(f)!) : Infinity));
          stopped += junctionClearing(ego, foePaths, car, 0, foeSpeeds) / cs.length;
          moving += junctionClearing(ego, foePaths, car, vApproach, foeSpeeds) / cs.length;
        }
        if (stopped > 0.005) m.clearingSeconds = round3(stopped);
        if (stopped > 0.005 && moving < stopped - 0.005) m.clearingMovingSeconds = round3(moving);
      }
      // a foe that had to stop leaves its junction path later (from a standstill), and its yielders wait for that
      const foeIds = new Set(kept.flatMap((m) => m.yieldsTo ?? []));
      for (const m of kept) {
        if (!foeIds.has(m.id)) continue;
        const cs = conns.filter((c) => movementOf.get(c) === m);
        // (against crossing at its path's speed, or for one that yields itself at its minor link's approach speed)
        const moving = m.yieldsTo ? minorApproach(m) : Infinity;
        const head = cs.reduce((s, c) => s + pathFromStop(lanesOf(chain(c)), car, 0, moving), 0) / cs.length;
        // the ones behind the first of a discharging queue start a car spacing further back: faster at the line
        const following = cs.reduce((s, c) => s + pathFromStop(lanesOf(chain(c)), car, (car.length ?? 5) + (car.minGap ?? 2.5), moving), 0) / cs.length;
        if (head > 0.005) m.pathFromStopSeconds = round3(head);
        if (head > 0.005) m.pathInQueueSeconds = round3(following);
      }
    }
    crossings.push({ id: cid, approaches, movements: kept, phases, control });
  }
  log.throwIfProblems();

  // links ending at a crossing must have a movement left; lane groups must serve every movement kind
  for (const c of crossings) {
    for (const a of c.approaches) {
      const link = linkById.get(a)!;
      const kinds = new Set(c.movements.filter((m) => m.fromLink === a).map((m) => m.kind));
      if (kinds.size === 0) log.problem(`edge ${a}: none of its connections at ${c.id} ever gets green`);
      if (link.laneGroups && kinds.size > 0) link.laneGroups = mergeEmptyGroups(link.laneGroups, kinds);
    }
  }
  log.throwIfProblems();

  const network: Network = { nodes, links, crossings, demand: [] };
  const vehicles = routeEdges;
  const movementSet = new Set(crossings.flatMap((c) => c.movements.map((m) => `${m.fromLink}\u0000${m.toLink}`)));
  const boundaryNodes = new Set(nodes.filter((n) => n.kind === 'boundary').map((n) => n.id));
  for (const v of vehicles) {
    for (let k = 0; k + 1 < v.route.length; k++) {
      const at = linkById.get(v.route[k])!.to;
      if (boundaryNodes.has(at)) { log.problem(`vehicle ${v.id}: its route goes on from ${v.route[k]} at junction ${at}, where the import lets vehicles leave (a boundary)`); break; }
      if (!movementSet.has(`${v.route[k]}\u0000${v.route[k + 1]}`)) { log.problem(`vehicle ${v.id}: no imported movement from ${v.route[k]} to ${v.route[k + 1]}`); break; }
    }
    if (log.problems.length >= 20) break;
  }
  log.throwIfProblems();
  setTurnSharesFromVehicles(network, vehicles);
  if (vehicles.length > 0) {
    const { demand, notFromEntries } = entryDemandFromVehicles(network, vehicles, options.demandIntervalSeconds ?? 900);
    network.demand = demand;
    if (notFromEntries > 0) log.note(`vehicles that depart on a link inside the network are run as given (vehicles.json) but are not part of the Poisson entry demand`, `${notFromEntries} vehicles`);
  } else {
    log.note('no routes given: no demand (add --routes, or set the demand in network.json)');
  }
  return { format: 'sumo', network, vehicles, signalised, notes: log.notes() };
}

/** Seconds between two cars following each other at speed v (SUMO's Krauss car: tau + (length + minGap) / v). */
export function followingHeadway(v: number, car: { tau?: number; length?: number; minGap?: number; saturationHeadwaySeconds?: number }, roadSpeed?: number): number {
  const spacing = (car.length ?? 5) + (car.minGap ?? 2.5);
  // measured at road speed, the car's saturated headway, plus the spacing's longer time at the slower speed
  if (car.saturationHeadwaySeconds !== undefined && roadSpeed !== undefined && roadSpeed > v) return car.saturationHeadwaySeconds + spacing * (1 / v - 1 / roadSpeed);
  return (car.tau ?? 1) + spacing / v;
}

interface InternalLane { length: number; speed: number }

/**
 * Seconds a yielding vehicle needs, on top of the critical gap at a junction without
 * internal lanes (where SUMO_CALIBRATED's gap was measured), when the junction's paths
 * have a length. SUMO's junction model lets a minor vehicle go when its foe arrives no
 * earlier than its own leave time, arrival + (path + car length) / its mean speed over
 * them, and arrive no earlier than the foe's leave time. A path of length L adds to the
 * yielding car's leave time (L + len) / v̄(L + len) − len / v̄(len), where v̄(x) is the mean
 * of its arrival speed (`arrivalSpeed`, 0 from a stop) and the speed it leaves with after
 * x metres (accelerating, at most the path's speed); and to the foe's, passing at its
 * path's speed, L / speed (the longest of its foes).
 */
export function junctionClearing(ego: InternalLane[], foes: InternalLane[][], car: { accel: number; length?: number }, arrivalSpeed: number, foeArrivalSpeeds: number[] = []): number {
  const len = car.length ?? 5;
  const length = ego.reduce((s, l) => s + l.length, 0);
  const pathSpeed = Math.min(...ego.map((l) => l.speed));
  const time = (x: number) => {
    const leave = Math.min(pathSpeed, Math.sqrt(arrivalSpeed * arrivalSpeed + 2 * car.accel * x));
    const arrive = Math.min(arrivalSpeed, leave);
    return x / ((arrive + leave) / 2);
  };
  const own = length > 0 ? time(length + len) - time(len) : 0;
  let foe = 0;
  foes.forEach((f, k) => {
    const fl = f.reduce((s, l) => s + l.length, 0);
    const fv = Math.min(...f.map((l) => l.speed));
    if (fl > 0 && Number.isFinite(fv) && fv > 0) foe = Math.max(foe, pathTime(fl, Math.min(foeArrivalSpeeds[k] ?? Infinity, fv), fv, car.accel));
  });
  return Math.max(0, own) + foe;
}

/** Seconds to drive d metres arriving at speed v0 (≤ vMax), accelerating at accel up to vMax. */
function pathTime(d: number, v0: number, vMax: number, accel: number): number {
  const accelerating = (vMax * vMax - v0 * v0) / (2 * accel);
  return d <= accelerating ? (Math.sqrt(v0 * v0 + 2 * accel * d) - v0) / accel : (vMax - v0) / accel + (d - accelerating) / vMax;
}

/**
 * Seconds longer a car takes over its junction path and its own length (SUMO's leave time:
 * path + car length) starting from a standstill `back` metres before the stop line,
 * accelerating at car.accel up to the path's speed, than arriving at `moving` m/s (at most
 * the path's speed; default the path's speed) and speeding up from there.
 */
export function pathFromStop(path: InternalLane[], car: { accel: number; length?: number }, back = 0, moving = Infinity): number {
  const length = path.reduce((s, l) => s + l.length, 0);
  const speed = Math.min(...path.map((l) => l.speed));
  if (!(length > 0) || !Number.isFinite(speed) || !(speed > 0)) return 0;
  const x = length + (car.length ?? 5);
  return Math.max(0, pathTime(back + x, 0, speed, car.accel) - pathTime(back, 0, speed, car.accel) - pathTime(x, Math.min(moving, speed), speed, car.accel));
}

function mergeEmptyGroups(groups: LaneGroup[], kinds: Set<MovementKind>): LaneGroup[] {
  const out: LaneGroup[] = [];
  for (const g of groups) {
    const turns = g.turns.filter((t) => kinds.has(t));
    if (turns.length === 0 && out.length > 0) out[out.length - 1].lanes += g.lanes;
    else out.push({ ...g, turns: turns.length > 0 ? turns : [...kinds] });
  }
  return out;
}

function mapProgram(
  logic: SumoTls, jid: string, conns: SumoConnection[], movementOf: Map<SumoConnection, Movement>, log: ImportLog,
): { phases: SignalPhase[]; control: SignalControl; mainStates: string[] } | null {
  if (logic.type !== 'static' && logic.type !== 'actuated') {
    log.problem(`tlLogic ${logic.id}: type "${logic.type}" is not supported (static and actuated are)`);
    return null;
  }
  const width = Math.max(0, ...conns.map((c) => (c.linkIndex ?? -1) + 1));
  if (logic.phases.some((p) => p.state.length < width)) {
    log.problem(`tlLogic ${logic.id}: a phase state is shorter than its ${width} links`);
    return null;
  }
  const isMain = (p: SumoPhase) => !/[yY]/.test(p.state) && [...p.state].some((ch) => GREEN.has(ch));
  const first = logic.phases.findIndex(isMain);
  if (first < 0) {
    log.problem(`tlLogic ${logic.id}: no phase with a green and without yellow`);
    return null;
  }
  // rotate so the cycle starts with a main phase; our offset moves by what came before it
  const ordered = [...logic.phases.slice(first), ...logic.phases.slice(0, first)];
  const before = logic.phases.slice(0, first).reduce((s, p) => s + p.duration, 0);
  const groups: { main: SumoPhase; amber: number; red: number }[] = [];
  for (const p of ordered) {
    if (isMain(p)) groups.push({ main: p, amber: 0, red: 0 });
    else if (/[yY]/.test(p.state)) groups[groups.length - 1].amber += p.duration;
    else groups[groups.length - 1].red += p.duration;
  }
  const amber = Math.min(...groups.map((g) => g.amber));
  const red = Math.min(...groups.map((g) => g.red));
  if (groups.some((g) => g.amber !== amber || g.red !== red)) log.note('SUMO programs with different yellow or red times per phase: the shortest is the amber/all-red, the rest is added to the green (the cycle is kept)', logic.id);
  if (ordered.some((p) => !isMain(p) && /[GgsoO]/.test(p.state))) log.note('SUMO transition phases that keep some movements green: those greens are counted as amber', logic.id);
  const phases: SignalPhase[] = groups.map((g, i) => ({
    id: `p${i}`,
    movements: [...new Set(conns.filter((c) => c.linkIndex !== undefined && GREEN.has(g.main.state[c.linkIndex])).map((c) => movementOf.get(c)!.id))].sort(),
  }));
  const greens = groups.map((g) => g.main.duration + g.amber + g.red - amber - red);
  const cycle = greens.reduce((s, x) => s + x + amber + red, 0);
  let control: SignalControl;
  if (logic.type === 'static') {
    const plan: FixedTimePlan = { greenSeconds: greens, amberSeconds: amber, allRedSeconds: red, offsetSeconds: mod(logic.offset + before, cycle) };
    control = { kind: 'fixed', plan };
  } else {
    const mins = groups.map((g) => g.main.minDur ?? g.main.duration);
    const maxs = groups.map((g) => g.main.maxDur ?? g.main.duration);
    log.note('SUMO actuated programs run as our actuated controller with one minimum (the smallest minDur) and one maximum green (the largest maxDur)', logic.id);
    control = { kind: 'actuated', settings: { minGreenSeconds: Math.min(...mins), maxGreenSeconds: Math.max(...maxs), gapSeconds: Number(logic.params['max-gap'] ?? 3), amberSeconds: amber, allRedSeconds: red, detectorLeadSeconds: 3 } };
  }
  if (conns.some((c) => c.linkIndex === undefined)) log.note(`connections at a traffic light without linkIndex never get green`, jid);
  return { phases, control, mainStates: groups.map((g) => g.main.state) };
}

/** Routes file → vehicles on the imported links, in departure order. */
export function importSumoRoutes(xml: string, linkIds: Set<string>, log: ImportLog): ScheduledVehicle[] {
  const root = parseXml(xml);
  if (root.name !== 'routes') throw new Error(`a SUMO routes file starts with <routes>, not <${root.name}>`);
  const named = new Map<string, string[]>();
  const vehicles: ScheduledVehicle[] = [];
  const edgesOf = (el: XmlElement, what: string): string[] | null => {
    const child = el.children.filter((c) => c.name === 'route');
    const ref = el.attrs.route;
    let edges: string[] | undefined;
    if (child.length === 1) edges = (child[0].attrs.edges ?? '').split(/\s+/).filter(Boolean);
    else if (ref !== undefined) edges = named.get(ref);
    if (!edges) {
      log.problem(`${what} (line ${el.line}): needs a route (a <route> child or a known route id); trips with from/to need routing first (duarouter)`);
      return null;
    }
    const missing = edges.filter((e) => !linkIds.has(e));
    if (missing.length > 0) {
      log.problem(`${what} (line ${el.line}): route uses ${missing[0]}, which is not an imported road for cars`);
      return null;
    }
    return edges;
  };
  const depart = (el: XmlElement, what: string): number => {
    const v = Number(el.attrs.depart);
    if (!Number.isFinite(v)) log.problem(`${what} (line ${el.line}): depart="${el.attrs.depart}" is not supported, only a time in seconds`);
    return v;
  };
  for (const el of root.children) {
    for (const attr of ['departLane', 'departSpeed', 'departPos', 'arrivalPos', 'arrivalLane', 'arrivalSpeed', 'color']) {
      if (el.attrs[attr] !== undefined && (el.name === 'vehicle' || el.name === 'flow')) log.note(`SUMO vehicle attribute ${attr} not modelled (vehicles enter at the start of their first link at its speed)`, attr);
    }
    if (el.name === 'vType') {
      log.note('SUMO vehicle types not modelled: every vehicle drives at the link speed', el.attrs.id);
    } else if (el.name === 'route') {
      named.set(el.attrs.id, (el.attrs.edges ?? '').split(/\s+/).filter(Boolean));
    } else if (el.name === 'vehicle') {
      const what = `vehicle ${el.attrs.id}`;
      for (const c of el.children) if (c.name !== 'route' && c.name !== 'param') log.problem(`${what}: <${c.name}> (line ${c.line}) is not supported`);
      const t = depart(el, what);
      const edges = edgesOf(el, what);
      if (edges && Number.isFinite(t)) vehicles.push({ id: el.attrs.id, departSeconds: t, route: edges });
    } else if (el.name === 'flow') {
      const what = `flow ${el.attrs.id}`;
      const edges = edgesOf(el, what);
      const begin = Number(el.attrs.begin ?? 0);
      const end = Number(el.attrs.end ?? 86400);
      let period: number | null = null;
      let count = Infinity;
      if (el.attrs.period !== undefined) period = Number(el.attrs.period);
      else if (el.attrs.vehsPerHour !== undefined) period = 3600 / Number(el.attrs.vehsPerHour);
      else if (el.attrs.number !== undefined) { count = Number(el.attrs.number); period = (end - begin) / count; }
      else log.problem(`${what} (line ${el.line}): only flows with number, period or vehsPerHour are supported (probability flows are random)`);
      if (!edges || period === null) continue;
      if (!(period > 0) || !Number.isFinite(begin) || !Number.isFinite(end)) { log.problem(`${what} (line ${el.line}): begin, end and the rate must be numbers, the rate positive`); continue; }
      for (let i = 0; i < count && begin + i * period < end; i++) vehicles.push({ id: `${el.attrs.id}.${i}`, departSeconds: round3(begin + i * period), route: edges });
    } else if (el.name === 'param') {
      log.note('SUMO routes <param> not used', el.attrs.key);
    } else {
      log.problem(`<${el.name}> (line ${el.line}) is not supported in a routes file (vehicle, flow, route, vType are)`);
    }
  }
  return vehicles.map((v, k) => ({ v, k })).sort((a, b) => a.v.departSeconds - b.v.departSeconds || a.k - b.k).map((x) => x.v);
}

function allowsCars(allow?: string, disallow?: string): boolean {
  if (allow !== undefined) return allow.split(/\s+/).some((c) => c === 'passenger' || c === 'all' || c === 'private');
  if (disallow !== undefined) return !disallow.split(/\s+/).some((c) => c === 'passenger' || c === 'all');
  return true;
}

function turnOf(dir: string): MovementKind {
  if (dir === 'l' || dir === 'L') return 'left';
  if (dir === 'r' || dir === 'R') return 'right';
  if (dir === 't') return 'uturn';
  return 'through';
}

function mod(x: number, m: number): number {
  return ((x % m) + m) % m;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
