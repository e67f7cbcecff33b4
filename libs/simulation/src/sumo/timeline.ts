/**
 * A day of changing fixed-time plans as SUMO signal programs: the engine's signal timeline
 * rebuilt from the plans sent to a crossing, and one static `<tlLogic>` holding it all.
 * Strings only, no I/O.
 */
import { FixedTimePlan, Network, cycleSeconds } from '../network';
import { sumoConnections } from './writers';

/** One cycle as the engine runs it. */
export interface Cycle {
  start: number;
  plan: FixedTimePlan;
  /** Extra green of the first phase (a dwell transition to a new offset). */
  dwell: number;
}

const mod = (a: number, m: number) => ((a % m) + m) % m;

/**
 * The cycles a crossing runs from time 0 to `until`, given its plan at 0 and the plans
 * sent later (requests sorted by time), by the engine's rules (signals.ts): a plan sent at
 * t takes over at the first cycle boundary at or after t, and a plan whose offset does not
 * line up with that boundary lengthens its first green once (the dwell) so its cycles then
 * start at offset + k × cycle.
 */
export function signalCycles(initial: FixedTimePlan, requests: Array<{ atSeconds: number; plan: FixedTimePlan }>, until: number): Cycle[] {
  let plan = initial;
  let c = cycleSeconds(plan);
  let start = mod(plan.offsetSeconds, c);
  if (start > 0) start -= c;
  const cycles: Cycle[] = [{ start, plan, dwell: 0 }];
  let end = start + c;
  let next = 0;
  while (end < until) {
    const boundary = end;
    while (next < requests.length && requests[next].atSeconds <= boundary) plan = requests[next++].plan;
    c = cycleSeconds(plan);
    let dwell = mod(plan.offsetSeconds - boundary, c);
    if (dwell < 1e-9 || c - dwell < 1e-9) dwell = 0;
    cycles.push({ start: boundary, plan, dwell });
    end = boundary + c + dwell;
  }
  return cycles;
}

/**
 * One static tlLogic holding the whole sequence of cycles from time 0 (offset 0: SUMO's
 * second t is the program's second t; load it as an additional file to replace the
 * network's program). Left turns get priority ('G') unless their movement yields in our
 * engine (Movement.yieldsTo: 'g').
 */
export function timelineTlLogic(network: Network, crossingId: string, cycles: Cycle[], programId: string): string {
  const crossing = network.crossings.find((c) => c.id === crossingId)!;
  const links = new Map(network.links.map((l) => [l.id, l]));
  const connections = sumoConnections(crossing, links);
  const state = (phase: number, stage: 'green' | 'amber' | 'red') =>
    connections.map((c) => (stage === 'red' || !crossing.phases[phase].movements.includes(c.movementId) ? 'r' : stage === 'amber' ? 'y' : c.yields ? 'g' : 'G')).join('');
  const phases: Array<{ duration: number; state: string }> = [];
  for (const cycle of cycles) {
    let t = cycle.start;
    cycle.plan.greenSeconds.forEach((green, p) => {
      const steps: Array<[number, string]> = [
        [green + (p === 0 ? cycle.dwell : 0), state(p, 'green')],
        [cycle.plan.amberSeconds, state(p, 'amber')],
        [cycle.plan.allRedSeconds, state(p, 'red')],
      ];
      for (const [duration, s] of steps) {
        const from = Math.max(0, t);
        t += duration;
        if (t > from) phases.push({ duration: t - from, state: s });
      }
    });
  }
  // merge equal neighbours (shorter file, same signals)
  const merged: typeof phases = [];
  for (const p of phases) {
    const last = merged[merged.length - 1];
    if (last && last.state === p.state) last.duration += p.duration;
    else merged.push({ ...p });
  }
  return [
    `  <tlLogic id="${crossingId}" type="static" programID="${programId}" offset="0">`,
    ...merged.map((p) => `    <phase duration="${Math.round(p.duration * 1000) / 1000}" state="${p.state}"/>`),
    '  </tlLogic>',
  ].join('\n');
}

/**
 * The network with ids SUMO accepts (Boroondara's exit links are named like "0970>exit:E";
 * SUMO rejects '>' in ids): every node and link id with characters other than letters,
 * digits, '_', '-', '.' and ':' replaced, kept unique.
 */
export function sumoSafeNetwork(network: Network): { network: Network; id: (original: string) => string } {
  const renamed = new Map<string, string>();
  const used = new Set<string>();
  const id = (original: string): string => {
    let safe = renamed.get(original);
    if (safe !== undefined) return safe;
    const base = original.replace(/[^A-Za-z0-9_.:-]/g, '_').replace(/^:/, '_');
    safe = base;
    for (let k = 2; used.has(safe); k++) safe = `${base}_${k}`;
    used.add(safe);
    renamed.set(original, safe);
    return safe;
  };
  return {
    network: {
      nodes: network.nodes.map((n) => ({ ...n, id: id(n.id) })),
      links: network.links.map((l) => ({ ...l, id: id(l.id), from: id(l.from), to: id(l.to) })),
      crossings: network.crossings.map((c) => ({
        ...c,
        id: id(c.id),
        approaches: c.approaches.map(id),
        movements: c.movements.map((m) => ({ ...m, fromLink: id(m.fromLink), toLink: id(m.toLink) })),
      })),
      demand: network.demand.map((d) => ({ ...d, link: id(d.link) })),
    },
    id,
  };
}

