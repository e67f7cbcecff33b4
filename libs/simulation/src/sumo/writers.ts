/**
 * Plain-XML writers for SUMO (strings only, no I/O): nodes, edges, connections and signal
 * programs for netconvert, and a routes file with given vehicles. The signal-program writer
 * is meant to be reused to export recommended timings.
 *
 * Conventions, so SUMO runs the network our engine runs:
 * - Every edge gets its length from our link (`length`), and netconvert is run without
 *   internal junction lanes (`--no-internal-links`), so route lengths are ours exactly.
 * - Lanes follow the approach's lane groups (network.ts LaneGroup; without them one group
 *   of all lanes), rightmost group on lane 0: a right turn leaves from the rightmost lane of
 *   each group serving it, a left (or U) turn from the leftmost, through traffic from every
 *   lane of its groups. Connections carry explicit link indices, which the programs' state
 *   strings follow. Without lane groups: right from lane 0, left from the last lane,
 *   through from every lane.
 * - A turn bay becomes its own edge: the link's SUMO edge (same id) is the last bayLengthM
 *   metres with the bay's lanes added, preceded by the edge `<id>.up` (full-length lanes
 *   only) from a plain node `<id>.bay`; routes list both (sumoRoutesXml with the network).
 * - A movement that yields (Movement.yieldsTo) gets 'g' (green, yield to conflicting
 *   traffic); other left turns 'g' unless permittedLeft is false; all others 'G'.
 */
import { ActuatedSettings, Crossing, FixedTimePlan, LaneGroup, Network, NetworkLink, SignalControl } from '../network';
import { defaultLaneGroups } from '../lanes';
import type { VehicleDeparture } from '../engine';

export interface SumoConnection {
  from: string;
  to: string;
  fromLane: number;
  toLane: number;
  movementId: string;
  linkIndex: number;
  left: boolean;
  /** The movement yields to others (a permissive turn in our engine). */
  yields: boolean;
}

/** One SUMO vehicle type; defaults are SUMO's passenger car, with no speed spread. */
export interface SumoVehicleType {
  id: string;
  accel: number;
  decel: number;
  sigma: number;
  length: number;
  minGap: number;
  tau: number;
  maxSpeed: number;
  speedDev: number;
}

export const SUMO_PASSENGER_CAR: SumoVehicleType = { id: 'car', accel: 2.6, decel: 4.5, sigma: 0.5, length: 5, minGap: 2.5, tau: 1, maxSpeed: 55.56, speedDev: 0 };

/** Lane groups of a link at its stop line, with the SUMO lane index of each group's rightmost lane. */
export function stopLineLanes(link: NetworkLink): { group: LaneGroup; firstLane: number }[] {
  let lane = 0;
  return (link.laneGroups ?? defaultLaneGroups(link.lanes)).map((group) => {
    const firstLane = lane;
    lane += group.lanes;
    return { group, firstLane };
  });
}

/** The longest turn bay of a link (its SUMO edge is split there), or 0. */
export function bayLength(link: NetworkLink): number {
  return Math.max(0, ...(link.laneGroups ?? []).map((g) => g.bayLengthM ?? 0));
}

/** The SUMO edge a vehicle enters a link by: `<id>.up` when the link has a turn bay. */
export function sumoFirstEdge(link: NetworkLink): string {
  return bayLength(link) > 0 ? `${link.id}.up` : link.id;
}

export function sumoConnections(crossing: Crossing, links: Map<string, NetworkLink>): SumoConnection[] {
  const connections: SumoConnection[] = [];
  for (const m of crossing.movements) {
    const outLanes = links.get(m.toLink)!.lanes;
    const pairs: [number, number][] = [];
    for (const { group, firstLane } of stopLineLanes(links.get(m.fromLink)!)) {
      if (!group.turns.includes(m.kind)) continue;
      if (m.kind === 'right') pairs.push([firstLane, 0]);
      else if (m.kind === 'left' || m.kind === 'uturn') pairs.push([firstLane + group.lanes - 1, outLanes - 1]);
      else for (let i = firstLane; i < firstLane + group.lanes; i++) pairs.push([i, Math.min(i, outLanes - 1)]);
    }
    for (const [fromLane, toLane] of pairs) {
      connections.push({
        from: m.fromLink, to: sumoFirstEdge(links.get(m.toLink)!), fromLane, toLane, movementId: m.id, linkIndex: connections.length,
        left: m.kind === 'left' || m.kind === 'uturn', yields: (m.yieldsTo?.length ?? 0) > 0,
      });
    }
  }
  return connections;
}

export function sumoNodesXml(network: Network): string {
  const lines = network.nodes.map((n) => `  <node id="${esc(n.id)}" x="${num(n.x)}" y="${num(n.y)}" type="${n.kind === 'crossing' ? 'traffic_light' : 'priority'}"/>`);
  const nodes = new Map(network.nodes.map((n) => [n.id, n]));
  for (const l of network.links) {
    const bay = bayLength(l);
    if (bay <= 0) continue;
    // where the bay starts, on the straight line between the link's nodes
    const a = nodes.get(l.from)!;
    const b = nodes.get(l.to)!;
    const f = 1 - bay / l.lengthM;
    lines.push(`  <node id="${esc(l.id)}.bay" x="${num(a.x + f * (b.x - a.x))}" y="${num(a.y + f * (b.y - a.y))}" type="priority"/>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<nodes>\n${lines.join('\n')}\n</nodes>\n`;
}

export function sumoEdgesXml(network: Network): string {
  const lines = network.links.flatMap((l) => {
    const bay = bayLength(l);
    if (bay <= 0) return [`  <edge id="${esc(l.id)}" from="${esc(l.from)}" to="${esc(l.to)}" numLanes="${l.lanes}" speed="${num(l.speedMps)}" length="${num(l.lengthM)}"/>`];
    const stopLine = stopLineLanes(l).reduce((s, x) => s + x.group.lanes, 0);
    return [
      `  <edge id="${esc(l.id)}.up" from="${esc(l.from)}" to="${esc(l.id)}.bay" numLanes="${l.lanes}" speed="${num(l.speedMps)}" length="${num(l.lengthM - bay)}"/>`,
      `  <edge id="${esc(l.id)}" from="${esc(l.id)}.bay" to="${esc(l.to)}" numLanes="${stopLine}" speed="${num(l.speedMps)}" length="${num(bay)}"/>`,
    ];
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<edges>\n${lines.join('\n')}\n</edges>\n`;
}

export function sumoConnectionsXml(network: Network): string {
  const links = new Map(network.links.map((l) => [l.id, l]));
  const lines: string[] = [];
  for (const l of network.links) {
    if (bayLength(l) <= 0) continue;
    // into the bay section: full-length lanes go straight on, a bay opens off the nearest full-length lane
    const layout = stopLineLanes(l);
    const upLane = new Map<number, number>();
    for (const { group, firstLane } of layout) if (group.bayLengthM === undefined) for (let i = firstLane; i < firstLane + group.lanes; i++) upLane.set(i, upLane.size);
    const total = layout.reduce((sum, x) => sum + x.group.lanes, 0);
    for (let i = 0; i < total; i++) {
      const nearest = upLane.has(i) ? i : [...upLane.keys()].sort((p, q) => Math.abs(p - i) - Math.abs(q - i))[0];
      lines.push(`  <connection from="${esc(l.id)}.up" to="${esc(l.id)}" fromLane="${upLane.get(nearest)}" toLane="${i}"/>`);
    }
  }
  for (const crossing of network.crossings) {
    for (const c of sumoConnections(crossing, links)) {
      lines.push(`  <connection from="${esc(c.from)}" to="${esc(c.to)}" fromLane="${c.fromLane}" toLane="${c.toLane}"/>`);
    }
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<connections>\n${lines.join('\n')}\n</connections>\n`;
}

/**
 * Signal programs for every crossing (or only those in `only`), with their current control:
 * fixed time as a static program with offset, actuated as SUMO's actuated program
 * (minDur/maxDur, max-gap). Phase order and link indices follow sumoConnections().
 */
export interface SumoTlsOptions {
  /** Only these crossings (default all). */
  only?: Set<string>;
  /** Left turns yield to opposing traffic ('g', default) or have priority ('G', as our engine assumes). */
  permittedLeft?: boolean;
}

export function sumoTlsXml(network: Network, options: SumoTlsOptions = {}): string {
  const only = options.only;
  const leftState = options.permittedLeft === false ? 'G' : 'g';
  const links = new Map(network.links.map((l) => [l.id, l]));
  const out: string[] = [];
  const connectionLines: string[] = [];
  for (const crossing of network.crossings) {
    if (only && !only.has(crossing.id)) continue;
    const connections = sumoConnections(crossing, links);
    const state = (phase: number, stage: 'green' | 'amber' | 'red') =>
      connections.map((c) => {
        if (stage === 'red' || !crossing.phases[phase].movements.includes(c.movementId)) return 'r';
        if (stage === 'amber') return 'y';
        return c.yields ? 'g' : c.left ? leftState : 'G';
      }).join('');
    const control = crossing.control;
    if (control.kind === 'fixed') {
      out.push(`  <tlLogic id="${esc(crossing.id)}" type="static" programID="crosscast" offset="${num(control.plan.offsetSeconds)}">`);
      out.push(...phaseLines(crossing, control.plan, state));
    } else {
      // SUMO's own actuated program stands in for the coordinated-actuated and max-pressure controllers.
      const settings = actuatedEquivalent(control);
      out.push(`  <tlLogic id="${esc(crossing.id)}" type="actuated" programID="crosscast" offset="0">`);
      out.push(`    <param key="max-gap" value="${num(settings.gapSeconds)}"/>`);
      out.push(...actuatedPhaseLines(crossing, settings, state));
    }
    out.push('  </tlLogic>');
    for (const c of connections) {
      connectionLines.push(`  <connection from="${esc(c.from)}" to="${esc(c.to)}" fromLane="${c.fromLane}" toLane="${c.toLane}" tl="${esc(crossing.id)}" linkIndex="${c.linkIndex}"/>`);
    }
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<tlLogics>\n${out.join('\n')}\n${connectionLines.join('\n')}\n</tlLogics>\n`;
}

function phaseLines(crossing: Crossing, plan: FixedTimePlan, state: (p: number, s: 'green' | 'amber' | 'red') => string): string[] {
  const lines: string[] = [];
  crossing.phases.forEach((phase, p) => {
    lines.push(`    <phase duration="${num(plan.greenSeconds[p])}" state="${state(p, 'green')}" name="${esc(phase.id)}"/>`);
    if (plan.amberSeconds > 0) lines.push(`    <phase duration="${num(plan.amberSeconds)}" state="${state(p, 'amber')}"/>`);
    if (plan.allRedSeconds > 0) lines.push(`    <phase duration="${num(plan.allRedSeconds)}" state="${state(p, 'red')}"/>`);
  });
  return lines;
}

function actuatedPhaseLines(crossing: Crossing, s: ActuatedSettings, state: (p: number, s: 'green' | 'amber' | 'red') => string): string[] {
  const lines: string[] = [];
  crossing.phases.forEach((phase, p) => {
    lines.push(`    <phase duration="${num(s.minGreenSeconds)}" minDur="${num(s.minGreenSeconds)}" maxDur="${num(s.maxGreenSeconds)}" state="${state(p, 'green')}" name="${esc(phase.id)}"/>`);
    if (s.amberSeconds > 0) lines.push(`    <phase duration="${num(s.amberSeconds)}" state="${state(p, 'amber')}"/>`);
    if (s.allRedSeconds > 0) lines.push(`    <phase duration="${num(s.allRedSeconds)}" state="${state(p, 'red')}"/>`);
  });
  return lines;
}

/**
 * A routes file with the given vehicles (sorted by departure, as SUMO requires). Vehicles
 * enter at full speed on the best lane, as they arrive at an entry in our engine. Give the
 * network when links have turn bays: their routes then list the bay's two edges.
 */
export function sumoRoutesXml(departures: VehicleDeparture[], vType: SumoVehicleType = SUMO_PASSENGER_CAR, network?: Network): string {
  const split = new Set((network?.links ?? []).filter((l) => bayLength(l) > 0).map((l) => l.id));
  const edges = (route: string[]) => route.flatMap((id) => (split.has(id) ? [`${id}.up`, id] : [id]));
  const sorted = [...departures].sort((a, b) => a.departSeconds - b.departSeconds || a.vehicle - b.vehicle);
  const t = vType;
  const lines = [
    `  <vType id="${esc(t.id)}" accel="${num(t.accel)}" decel="${num(t.decel)}" sigma="${num(t.sigma)}" length="${num(t.length)}" minGap="${num(t.minGap)}" tau="${num(t.tau)}" maxSpeed="${num(t.maxSpeed)}" speedDev="${num(t.speedDev)}"/>`,
  ];
  for (const d of sorted) {
    lines.push(`  <vehicle id="${d.vehicle}" type="${esc(t.id)}" depart="${d.departSeconds.toFixed(2)}" departLane="best" departSpeed="max"><route edges="${edges(d.route).map(esc).join(' ')}"/></vehicle>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<routes>\n${lines.join('\n')}\n</routes>\n`;
}

function num(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Math.round(x * 1000) / 1000);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function actuatedEquivalent(control: Exclude<SignalControl, { kind: 'fixed' }>): ActuatedSettings {
  if (control.kind === 'actuated') return control.settings;
  if (control.kind === 'max-pressure') {
    const m = control.settings;
    return { minGreenSeconds: m.minGreenSeconds, maxGreenSeconds: m.maxGreenSeconds ?? 60, gapSeconds: m.decisionSeconds, amberSeconds: m.amberSeconds, allRedSeconds: m.allRedSeconds, detectorLeadSeconds: m.detectorLeadSeconds };
  }
  const c = control.settings;
  const clearance = c.amberSeconds + c.allRedSeconds;
  return { minGreenSeconds: c.minGreenSeconds, maxGreenSeconds: Math.max(...c.splitSeconds) - clearance, gapSeconds: c.gapSeconds, amberSeconds: c.amberSeconds, allRedSeconds: c.allRedSeconds, detectorLeadSeconds: c.detectorLeadSeconds };
}
