import * as L from 'leaflet';
import type { CrossingFreshness } from '@crosscast/contracts';
import { STATUS_STYLE, traceShape } from './map-shapes';

/** The parts of Leaflet's canvas renderer a custom shape uses (not in Leaflet's public API). */
interface CanvasInternals {
  _drawing: boolean;
  _ctx: CanvasRenderingContext2D;
  _fillStroke(ctx: CanvasRenderingContext2D, layer: L.Path): void;
}
interface MarkerInternals {
  _renderer: CanvasInternals;
  _point: L.Point;
  _radius: number;
  _pxBounds: L.Bounds;
  _empty(): boolean;
  _clickTolerance(): number;
}

export interface ShapeOptions {
  freshness: CrossingFreshness;
  estimated: boolean;
  /** Drawn right of the shape (crossing id) when the map is zoomed in far enough to read it. */
  label: string | null;
  /** A cluster: how many crossings it stands for (drawn inside). */
  count: number | null;
  /** A cluster: how many of them are stale or offline (a badge, so one bad crossing does not hide the rest). */
  bad?: number;
  selected: boolean;
}

const LABEL_FONT = '11px system-ui, sans-serif';
const COUNT_FONT = 'bold 11px system-ui, sans-serif';

/**
 * A crossing (or a cluster of them) on Leaflet's canvas renderer, drawn as its status's
 * shape. Leaflet keeps hit-testing, events and partial redraws; only the path differs.
 */
export class ShapeMarker extends L.CircleMarker {
  constructor(latLng: L.LatLngExpression, readonly shape: ShapeOptions, radius: number) {
    const style = STATUS_STYLE[shape.freshness];
    super(latLng, {
      radius,
      color: shape.selected ? '#58c4ff' : shape.count ? '#0d1117' : '#0d1117',
      weight: shape.selected ? 3 : 1.5,
      fillColor: style.colour,
      fillOpacity: shape.count ? 0.75 : shape.freshness === 'unknown' ? 0 : 0.95,
      dashArray: undefined,
    });
  }

  protected _updateBounds(): void {
    const self = this as unknown as MarkerInternals;
    const r = self._radius * 1.25 + self._clickTolerance() + (this.shape.bad ? 12 : 0);
    const labelW = this.shape.label ? 8 + this.shape.label.length * 7 : 0;
    self._pxBounds = new L.Bounds(self._point.subtract([r, r]), self._point.add([r + labelW, r]));
  }

  protected _updatePath(): void {
    const self = this as unknown as MarkerInternals;
    const renderer = self._renderer;
    if (!renderer._drawing || self._empty()) return;
    const ctx = renderer._ctx;
    const { x, y } = self._point;
    const r = self._radius;
    const style = STATUS_STYLE[this.shape.freshness];
    traceShape(ctx, style.shape, x, y, r);
    renderer._fillStroke(ctx, this);
    if (this.shape.freshness === 'unknown') {
      // Hollow: the outline in the status colour.
      ctx.strokeStyle = style.colour;
      ctx.lineWidth = 2;
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    if (this.shape.count) {
      ctx.font = COUNT_FONT;
      ctx.fillStyle = '#0d1117';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(String(this.shape.count), x, y + (style.shape === 'triangle' ? 2 : 0));
      if (this.shape.bad) {
        const text = String(this.shape.bad);
        const bx = x + r * 0.85;
        const by = y - r * 0.85;
        const bw = 6 + text.length * 6;
        ctx.fillStyle = '#f0524f';
        ctx.beginPath();
        ctx.roundRect(bx - bw / 2, by - 7, bw, 14, 7);
        ctx.fill();
        ctx.fillStyle = '#ffffff';
        ctx.font = 'bold 10px system-ui, sans-serif';
        ctx.fillText(text, bx, by + 0.5);
      }
    } else if (this.shape.estimated) {
      ctx.font = COUNT_FONT;
      ctx.fillStyle = '#0d1117';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText('E', x, y + 1);
    }
    if (this.shape.label) {
      ctx.font = LABEL_FONT;
      ctx.fillStyle = '#dbe3ee';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      ctx.fillText(this.shape.label, x + r * 1.25 + 3, y);
    }
  }
}
