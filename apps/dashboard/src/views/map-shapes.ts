import type { CrossingFreshness } from '@crosscast/contracts';

/**
 * Status is shown by shape and colour, so it reads without colour vision: fresh = circle,
 * stale = triangle, offline = square, unknown = hollow diamond; estimated adds an "E".
 */
export const STATUS_STYLE: Record<CrossingFreshness, { shape: 'circle' | 'triangle' | 'square' | 'diamond'; colour: string; rank: number }> = {
  fresh: { shape: 'circle', colour: '#3fb950', rank: 0 },
  unknown: { shape: 'diamond', colour: '#8b98aa', rank: 1 },
  stale: { shape: 'triangle', colour: '#e3a21a', rank: 2 },
  offline: { shape: 'square', colour: '#9aa4b0', rank: 3 },
};
/** Corridor lines on the map: every corridor, and the chosen one (a colour no status uses, and thicker). */
export const CORRIDOR_COLOURS = { normal: '#56a3a6', selected: '#c792ea' } as const;

export const FRESHNESS_BY_RANK: CrossingFreshness[] = ['fresh', 'unknown', 'stale', 'offline'];

/** Traces the shape's path centred on (x, y) with "radius" r. */
export function traceShape(ctx: CanvasRenderingContext2D, shape: (typeof STATUS_STYLE)[CrossingFreshness]['shape'], x: number, y: number, r: number): void {
  ctx.beginPath();
  switch (shape) {
    case 'circle':
      ctx.arc(x, y, r, 0, Math.PI * 2);
      break;
    case 'triangle':
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r * 1.1, y + r * 0.8);
      ctx.lineTo(x - r * 1.1, y + r * 0.8);
      ctx.closePath();
      break;
    case 'square':
      ctx.rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
      break;
    case 'diamond':
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r * 1.2, y);
      ctx.lineTo(x, y + r * 1.2);
      ctx.lineTo(x - r * 1.2, y);
      ctx.closePath();
      break;
  }
}
