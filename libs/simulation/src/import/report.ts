/**
 * What an import gives back, whichever the format: the engine's network, the exact vehicles
 * of the demand file, and notes naming everything that was approximated or left out. An
 * input the importer cannot represent is refused with one ImportError listing every problem.
 */
import type { ScheduledVehicle } from '../engine';
import { EntryDemand, MovementKind, Network } from '../network';

export type ImportFormat = 'sumo' | 'cityflow';

export interface ImportedNetwork {
  format: ImportFormat;
  network: Network;
  /** The demand file's vehicles, in departure order (SimulationOptions.vehicles). */
  vehicles: ScheduledVehicle[];
  /** Crossing ids that are signalised (the others are unsignalised junctions run as always-green crossings with yielding). */
  signalised: string[];
  /** Every approximation or omission, each naming the element; sorted, no duplicates. */
  notes: string[];
}

export class ImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`import refused: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ImportError';
  }
}

/** Collects problems and notes; names at most `limit` examples per kind of note. */
export class ImportLog {
  readonly problems: string[] = [];
  private readonly grouped = new Map<string, string[]>();

  problem(text: string): void {
    this.problems.push(text);
  }

  /** One note per `kind`, naming its examples: "kind: a, b, c and 4 more". */
  note(kind: string, example?: string): void {
    const list = this.grouped.get(kind) ?? [];
    if (example !== undefined && !list.includes(example)) list.push(example);
    this.grouped.set(kind, list);
  }

  throwIfProblems(): void {
    if (this.problems.length > 0) throw new ImportError(this.problems);
  }

  notes(): string[] {
    return [...this.grouped.entries()]
      .map(([kind, examples]) => {
        if (examples.length === 0) return kind;
        const shown = examples.slice(0, 5).join(', ');
        return `${kind} (${examples.length}): ${shown}${examples.length > 5 ? ` and ${examples.length - 5} more` : ''}`;
      })
      .sort();
  }
}

export const DEFAULT_IMPORT_TURN_SHARES: Record<MovementKind, number> = { through: 0.8, left: 0.1, right: 0.1, uturn: 0 };

/**
 * Turning shares of every approach from the vehicles' routes (movement counts); an
 * approach no vehicle uses gets DEFAULT_IMPORT_TURN_SHARES over the movements it has
 * (equal shares if those sum to 0). Mutates the network's movements.
 */
export function setTurnSharesFromVehicles(network: Network, vehicles: ScheduledVehicle[]): void {
  const count = new Map<string, number>();
  for (const v of vehicles) for (let k = 0; k + 1 < v.route.length; k++) {
    const key = `${v.route[k]}\u0000${v.route[k + 1]}`;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  for (const crossing of network.crossings) {
    for (const approach of crossing.approaches) {
      const ms = crossing.movements.filter((m) => m.fromLink === approach);
      const counted = ms.map((m) => count.get(`${m.fromLink}\u0000${m.toLink}`) ?? 0);
      const total = counted.reduce((a, b) => a + b, 0);
      const defaults = ms.map((m) => DEFAULT_IMPORT_TURN_SHARES[m.kind]);
      const defaultTotal = defaults.reduce((a, b) => a + b, 0);
      ms.forEach((m, i) => {
        m.share = total > 0 ? counted[i] / total : defaultTotal > 0 ? defaults[i] / defaultTotal : 1 / ms.length;
      });
      // exact sum 1 for validation: the last movement takes the rounding
      if (ms.length > 0) {
        const rest = ms.slice(0, -1).reduce((s, m) => s + m.share, 0);
        ms[ms.length - 1].share = Math.max(0, 1 - rest);
      }
    }
  }
}

/**
 * Entry demand (veh/h per interval from time 0) counted from the vehicles that start on
 * an entry link (a link from a boundary node); the others are reported by the caller.
 */
export function entryDemandFromVehicles(network: Network, vehicles: ScheduledVehicle[], intervalSeconds: number): { demand: EntryDemand[]; notFromEntries: number } {
  const boundary = new Set(network.nodes.filter((n) => n.kind === 'boundary').map((n) => n.id));
  const entries = network.links.filter((l) => boundary.has(l.from));
  const last = vehicles.reduce((m, v) => Math.max(m, v.departSeconds), 0);
  const intervals = Math.max(1, Math.floor(last / intervalSeconds) + 1);
  const counts = new Map(entries.map((l) => [l.id, new Array<number>(intervals).fill(0)]));
  let notFromEntries = 0;
  for (const v of vehicles) {
    const c = counts.get(v.route[0]);
    if (!c) { notFromEntries++; continue; }
    c[Math.max(0, Math.floor(v.departSeconds / intervalSeconds))]++;
  }
  const demand = entries.map((l) => ({ link: l.id, intervalSeconds, vehPerHour: [...counts.get(l.id)!.map((n) => (n * 3600) / intervalSeconds), 0] }));
  return { demand, notFromEntries };
}
