import * as L from 'leaflet';
import Supercluster, { type ClusterProperties, type PointFeature } from 'supercluster';
import type { CorridorView, CrossingFreshness } from '@crosscast/contracts';
import type { MapCrossing } from '../state/city-map';
import { CorridorOutlines } from './map-corridors';
import { ShapeMarker } from './map-marker';
import { FRESHNESS_BY_RANK, STATUS_STYLE } from './map-shapes';

interface PointProps { id: string; rank: number; estimated: boolean; flow: number | null }
interface ClusterProps { worst: number; bad: number }

/** Individual crossings in view above which ids are not drawn (they would not be legible). */
const MAX_LABELS = 250;
/**
 * Clustering radius in px: crossings closer than this on screen are drawn as one cluster.
 * A small city clusters only crossings that would overlap; a big one groups more, so its
 * overview stays a readable number of clusters.
 */
const clusterRadiusPx = (crossings: number) => (crossings <= 200 ? 18 : 36);
/** Zooming to a crossing goes at least this far in (a few hundred metres across the map). */
const STREET_ZOOM = 15;

export interface MapSource {
  crossings: MapCrossing[];
  freshnessOf(id: string): CrossingFreshness;
  isEstimated(id: string): boolean;
  flowOf(id: string): number | null;
  /** Crossings hidden by the search and status filters. */
  visible(id: string): boolean;
  selectedId: string | null;
  /** The city's corridors (REST), outlined on the map; the chosen one is highlighted. */
  corridors: readonly CorridorView[];
  selectedCorridor: string | null;
}

export interface MapEvents {
  select(id: string): void;
  hover(id: string | null, count: number | null, bad?: number): void;
  /** A corridor's line was clicked. */
  chooseCorridor(name: string): void;
  hoverCorridor(corridor: CorridorView | null): void;
}

/**
 * The city map: Leaflet with its canvas renderer (no tiles: faint road lines from the
 * crossings' approaches give orientation offline), the corridors outlined (map-corridors.ts),
 * crossings clustered by supercluster at low zoom (a cluster shows its count and its worst
 * status), single crossings drawn as their status's shape, ids only when few enough are in
 * view to read them.
 */
export class CityMap {
  readonly map: L.Map;
  private readonly renderer = L.canvas({ padding: 0.2, tolerance: 4 });
  private readonly roads = L.layerGroup();
  private readonly markers = L.layerGroup();
  private readonly corridors: CorridorOutlines;
  private index: Supercluster<PointProps, ClusterProps> | null = null;
  private layoutKey = '';
  private drawTimer: number | null = null;
  private drawDue = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly source: () => MapSource,
    private readonly events: MapEvents,
  ) {
    this.corridors = new CorridorOutlines(this.renderer, (name) => this.events.chooseCorridor(name), (c) => this.events.hoverCorridor(c));
    this.map = L.map(container, { preferCanvas: true, renderer: this.renderer, attributionControl: false, zoomSnap: 0.25, minZoom: 3, maxZoom: 20, worldCopyJump: false });
    this.map.setView([0, 0], 3);
    L.control.scale({ imperial: false }).addTo(this.map);
    const fit = new L.Control({ position: 'topleft' });
    fit.onAdd = () => {
      const button = L.DomUtil.create('button', 'map-fit');
      button.type = 'button';
      button.textContent = 'City';
      button.title = 'Show the whole city';
      button.dataset.testid = 'map-fit';
      L.DomEvent.on(button, 'click', (e) => {
        L.DomEvent.stop(e);
        this.fitCity();
      });
      return button;
    };
    fit.addTo(this.map);
    this.roads.addTo(this.map);
    this.corridors.layer.addTo(this.map);
    this.markers.addTo(this.map);
    this.map.on('moveend', () => this.draw());
  }

  /** Data changed: re-index and redraw within `withinMs` (bursts of updates share one rebuild). */
  refresh(withinMs = 0): void {
    const due = performance.now() + withinMs;
    if (this.drawTimer !== null) {
      if (this.drawDue <= due) return;
      clearTimeout(this.drawTimer);
    }
    this.drawDue = due;
    this.drawTimer = window.setTimeout(() => {
      this.drawTimer = null;
      this.rebuild();
    }, withinMs);
  }

  /**
   * Only the corridors changed (their list arrived, or another is chosen): their lines are
   * redrawn, the crossings' index stays (re-indexing 4,096 crossings costs a few hundred ms
   * on a busy machine). Before the first index, the rebuild draws them with the rest.
   */
  refreshCorridors(): void {
    if (!this.index) return this.refresh(0);
    const src = this.source();
    this.corridors.update(src.corridors, src.crossings, src.selectedCorridor);
    this.container.dataset.corridors = String(this.corridors.count);
    this.container.dataset.corridorSelected = this.corridors.selected ?? '';
  }

  /** Centres on a crossing, zoomed in far enough that it is drawn on its own. */
  zoomTo(id: string): void {
    const c = this.source().crossings.find((x) => x.id === id);
    if (!c) return;
    // Street level at least, and far enough in that the crossing is drawn on its own.
    const zoom = Math.max(STREET_ZOOM, this.index ? this.expansionZoomOf(c) : STREET_ZOOM);
    this.map.setView([c.lat, c.lon], Math.max(zoom, this.map.getZoom()));
  }

  private expansionZoomOf(c: MapCrossing): number {
    // The lowest zoom at which this crossing is drawn on its own (not inside a cluster).
    // The box is ~10 m: the index keeps coordinates in single precision.
    const box: [number, number, number, number] = [c.lon - 1e-4, c.lat - 1e-4, c.lon + 1e-4, c.lat + 1e-4];
    for (let zoom = Math.max(3, Math.floor(this.map.getZoom())); zoom < 18; zoom++) {
      if (this.index!.getClusters(box, zoom).some((f) => (f.properties as Partial<PointProps>).id === c.id)) return zoom;
    }
    return 18;
  }

  /** Fits the map to a corridor's crossings (the corridor just chosen). */
  fitCorridor(name: string): void {
    const src = this.source();
    const corridor = src.corridors.find((c) => c.name === name);
    if (!corridor) return;
    const ids = new Set(corridor.crossingIds);
    const points = src.crossings.filter((c) => ids.has(c.id) && Number.isFinite(c.lat) && Number.isFinite(c.lon)).map((c) => [c.lat, c.lon] as [number, number]);
    if (points.length) this.map.fitBounds(L.latLngBounds(points), { padding: [48, 48], maxZoom: STREET_ZOOM });
  }

  /** Back to the whole city. */
  fitCity(): void {
    const crossings = this.source().crossings;
    if (crossings.length) this.map.fitBounds(L.latLngBounds(crossings.map((c) => [c.lat, c.lon] as [number, number])), { padding: [24, 24] });
  }

  private rebuild(): void {
    const src = this.source();
    const key = src.crossings.map((c) => c.id).join('|');
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      // The faint roads in a task of their own after the crossings are drawn (a few hundred ms
      // for a 64x64 grid on a busy machine): what the operator looks for comes first.
      const crossings = src.crossings;
      window.setTimeout(() => {
        if (this.layoutKey === key) this.drawRoads(crossings);
      }, 0);
      this.fitCity();
    }
    this.corridors.update(src.corridors, src.crossings, src.selectedCorridor);
    this.container.dataset.corridors = String(this.corridors.count);
    this.container.dataset.corridorSelected = this.corridors.selected ?? '';
    const points: Array<PointFeature<PointProps>> = [];
    for (const c of src.crossings) {
      if (!src.visible(c.id)) continue;
      points.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [c.lon, c.lat] },
        properties: { id: c.id, rank: STATUS_STYLE[src.freshnessOf(c.id)].rank, estimated: src.isEstimated(c.id), flow: src.flowOf(c.id) },
      });
    }
    this.index = new Supercluster<PointProps, ClusterProps>({
      radius: clusterRadiusPx(points.length),
      // Leaflet's tiles are 256 px: with this extent the radius is in screen pixels.
      extent: 256,
      maxZoom: 17,
      map: (p) => ({ worst: p.rank, bad: p.rank >= 2 ? 1 : 0 }),
      reduce: (acc, p) => {
        acc.worst = Math.max(acc.worst, p.worst);
        acc.bad += p.bad;
      },
    }).load(points);
    this.container.dataset.crossings = String(points.length);
    this.draw();
  }

  private draw(): void {
    if (!this.index) return;
    const src = this.source();
    const b = this.map.getBounds().pad(0.1);
    const zoom = Math.floor(this.map.getZoom());
    const features = this.index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom);
    const singles = features.filter((f) => !('cluster' in f.properties)).length;
    const labels = singles <= MAX_LABELS;
    const placed = new LabelSpace();
    // Markers first, so no label covers a crossing.
    for (const f of features) {
      const p = this.map.latLngToContainerPoint([f.geometry.coordinates[1], f.geometry.coordinates[0]]);
      placed.take(p.x - 10, p.y - 10, p.x + 10, p.y + 10);
    }
    let maxFlow = 200;
    for (const f of features) {
      const flow = (f.properties as Partial<PointProps>).flow;
      if (flow != null && flow > maxFlow) maxFlow = flow;
    }
    this.markers.clearLayers();
    let selected: ShapeMarker | null = null;
    for (const f of features) {
      const [lon, lat] = f.geometry.coordinates;
      const props = f.properties as (PointProps | (ClusterProps & ClusterProperties));
      let marker: ShapeMarker;
      if ('cluster' in props && props.cluster) {
        const count = props.point_count;
        marker = new ShapeMarker([lat, lon], { freshness: FRESHNESS_BY_RANK[props.worst], estimated: false, label: null, count, bad: props.bad, selected: false }, 9 + Math.min(14, Math.log2(count) * 2));
        marker.on('click', () => this.map.setView([lat, lon], Math.min(18, this.index!.getClusterExpansionZoom(props.cluster_id))));
        marker.on('mouseover', () => this.events.hover(null, count, props.bad));
      } else {
        const p = props as PointProps;
        const isSelected = p.id === src.selectedId;
        const radius = p.flow == null ? 5 : 5 + 6 * Math.sqrt(Math.max(0, p.flow) / maxFlow);
        // An id only where it can be read: few crossings in view and no overlap with another label or crossing.
        let label: string | null = null;
        if (labels) {
          const at = this.map.latLngToContainerPoint([lat, lon]);
          const x0 = at.x + radius * 1.25 + 3;
          if (placed.free(x0, at.y - 7, x0 + p.id.length * 7, at.y + 7, at.x + 10)) {
            placed.take(x0, at.y - 7, x0 + p.id.length * 7, at.y + 7);
            label = p.id;
          }
        }
        marker = new ShapeMarker([lat, lon], { freshness: FRESHNESS_BY_RANK[p.rank], estimated: p.estimated, label, count: null, selected: isSelected }, radius);
        marker.on('click', () => this.events.select(p.id));
        marker.on('mouseover', () => this.events.hover(p.id, null));
        if (isSelected) selected = marker;
      }
      marker.on('mouseout', () => this.events.hover(null, null));
      this.markers.addLayer(marker);
    }
    (selected as ShapeMarker | null)?.bringToFront();
    if (features.length && !performance.getEntriesByName('crosscast:map-drawn').length) performance.mark('crosscast:map-drawn');
    this.container.dataset.drawn = String(features.length);
    this.container.dataset.labels = labels ? 'on' : 'off';
    this.container.dataset.zoom = String(zoom);
  }

  /** Faint "roads": crossings sharing an approach road, joined in order along the road's longer axis. */
  private drawRoads(crossings: MapCrossing[]): void {
    this.roads.clearLayers();
    const roads = new Map<string, Array<[number, number]>>();
    for (const c of crossings) {
      const seen = new Set<string>();
      for (const road of c.roads) {
        const name = road.trim().toLowerCase();
        if (!name || seen.has(name)) continue;
        seen.add(name);
        if (!roads.has(name)) roads.set(name, []);
        roads.get(name)!.push([c.lat, c.lon]);
      }
    }
    for (const pts of roads.values()) {
      if (pts.length < 2) continue;
      const lats = pts.map((p) => p[0]);
      const lons = pts.map((p) => p[1]);
      const alongLon = Math.max(...lons) - Math.min(...lons) >= Math.max(...lats) - Math.min(...lats);
      pts.sort((a, b) => (alongLon ? a[1] - b[1] : a[0] - b[0]));
      this.roads.addLayer(L.polyline(pts, { renderer: this.renderer, color: '#2b3a4f', weight: 2, interactive: false }));
    }
  }
}

/** Screen boxes already used by markers and labels (a coarse grid of 8 px cells). */
class LabelSpace {
  private readonly cells = new Set<number>();
  private static readonly CELL = 8;

  private *cellsOf(x0: number, y0: number, x1: number, y1: number): Generator<number> {
    const c = LabelSpace.CELL;
    for (let gx = Math.floor(x0 / c); gx <= Math.floor(x1 / c); gx++) for (let gy = Math.floor(y0 / c); gy <= Math.floor(y1 / c); gy++) yield gx * 100_003 + gy;
  }

  take(x0: number, y0: number, x1: number, y1: number): void {
    for (const k of this.cellsOf(x0, y0, x1, y1)) this.cells.add(k);
  }

  /** Free, ignoring cells left of `ownRight` (the label's own marker). */
  free(x0: number, y0: number, x1: number, y1: number, ownRight: number): boolean {
    const start = Math.max(x0, ownRight + 1);
    if (start > x1) return true;
    for (const k of this.cellsOf(start, y0, x1, y1)) if (this.cells.has(k)) return false;
    return true;
  }
}
