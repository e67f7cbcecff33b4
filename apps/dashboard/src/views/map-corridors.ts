import * as L from 'leaflet';
import type { CorridorView } from '@crosscast/contracts';

/** What a corridor line needs of a crossing: where it is. */
type Placed = { id: string; lat: number; lon: number };
import { CORRIDOR_COLOURS } from './map-shapes';

/** How a corridor's line is drawn: every corridor, the chosen one, the others while one is chosen. */
export const CORRIDOR_STYLE = {
  normal: { color: CORRIDOR_COLOURS.normal, weight: 4, opacity: 1 },
  selected: { color: CORRIDOR_COLOURS.selected, weight: 7, opacity: 1 },
  dimmed: { color: CORRIDOR_COLOURS.normal, weight: 2, opacity: 0.45 },
  /** Every corridor in a city with many (a grid city has one per row and column): thin, so the map stays readable at city zoom. */
  dense: { color: CORRIDOR_COLOURS.normal, weight: 1.5, opacity: 0.6 },
} as const;

/** Above this many corridors the unchosen ones are drawn thin (CORRIDOR_STYLE.dense). */
export const DENSE_CORRIDORS = 40;

/** The corridor's crossings in road order as map points, leaving out crossings without a position. */
export function corridorPath(corridor: CorridorView, byId: ReadonlyMap<string, Placed>): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (const id of corridor.crossingIds) {
    const c = byId.get(id);
    if (c && Number.isFinite(c.lat) && Number.isFinite(c.lon)) points.push([c.lat, c.lon]);
  }
  return points;
}

/**
 * The city's corridors outlined on the map: one polyline per corridor through its
 * crossings in road order, on the map's canvas renderer, under the crossings. The lines
 * are built once per corridor list (the list is static for a city) and only restyled when
 * the chosen corridor changes, so live updates cost nothing here and panning redraws a few
 * hundred simple paths at most (Leaflet simplifies them at city zoom).
 */
export class CorridorOutlines {
  readonly layer = L.layerGroup();
  private readonly lines = new Map<string, L.Polyline>();
  private drawnFrom: readonly CorridorView[] | null = null;
  private drawnFor: readonly Placed[] | null = null;
  private chosen: string | null = null;

  constructor(
    private readonly renderer: L.Renderer,
    private readonly onChoose: (name: string) => void,
    private readonly onHover: (corridor: CorridorView | null) => void,
  ) {}

  /** Draws (when the corridors or the crossings changed) and marks the chosen corridor. Returns whether anything changed. */
  update(corridors: readonly CorridorView[], crossings: readonly Placed[], chosen: string | null): boolean {
    let changed = false;
    if (corridors !== this.drawnFrom || crossings !== this.drawnFor) {
      this.drawnFrom = corridors;
      this.drawnFor = crossings;
      this.layer.clearLayers();
      this.lines.clear();
      const byId = new Map(crossings.map((c) => [c.id, c]));
      for (const corridor of corridors) {
        const path = corridorPath(corridor, byId);
        if (path.length < 2) continue;
        const line = L.polyline(path, { renderer: this.renderer, ...CORRIDOR_STYLE.normal, lineCap: 'round', lineJoin: 'round', interactive: true, bubblingMouseEvents: false });
        line.on('click', (e) => {
          L.DomEvent.stop(e);
          this.onChoose(corridor.name);
        });
        line.on('mouseover', () => this.onHover(corridor));
        line.on('mouseout', () => this.onHover(null));
        this.lines.set(corridor.name, line);
        this.layer.addLayer(line);
      }
      this.chosen = null;
      this.restyle(chosen);
      changed = true;
    } else if (chosen !== this.chosen) {
      this.restyle(chosen);
      changed = true;
    }
    return changed;
  }

  get count(): number {
    return this.lines.size;
  }

  /** The chosen corridor's name when it is drawn, else null. */
  get selected(): string | null {
    return this.chosen !== null && this.lines.has(this.chosen) ? this.chosen : null;
  }

  private restyle(chosen: string | null): void {
    const anyChosen = chosen !== null && this.lines.has(chosen);
    const dense = this.lines.size > DENSE_CORRIDORS;
    const unchosen = anyChosen ? CORRIDOR_STYLE.dimmed : dense ? CORRIDOR_STYLE.dense : CORRIDOR_STYLE.normal;
    for (const [name, line] of this.lines) line.setStyle(name === chosen ? CORRIDOR_STYLE.selected : unchosen);
    // The chosen line above the other lines (the crossings are drawn after it, on top).
    if (anyChosen) this.lines.get(chosen)!.bringToFront();
    this.chosen = chosen;
  }
}
