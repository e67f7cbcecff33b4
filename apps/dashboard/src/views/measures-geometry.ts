import type { ApproachVolumeView, PcdPhaseView, PhaseTerminationView, SplitFailuresView, SplitMonitorPhaseView } from '@crosscast/contracts';

/**
 * Geometry of the performance-measure charts (Purdue Coordination Diagram, split monitor):
 * pure functions from the measures REST view to plot coordinates, no DOM, so they are
 * tested with jest (measures-geometry.spec.ts) and drawn by views/measures.ts.
 */

export interface PlotBox {
  width: number;
  height: number;
  pad: { l: number; r: number; t: number; b: number };
}

export interface Tick {
  /** Pixel position along the axis. */
  at: number;
  value: number;
}

/** Maps [from, to] onto [a, b] (a may be larger than b: SVG's y grows downwards). */
export function scale(from: number, to: number, a: number, b: number): (v: number) => number {
  const span = to - from || 1;
  return (v) => a + ((v - from) / span) * (b - a);
}

/** Round steps (1, 2, 2.5, 5 × 10^k) from 0 to at least `max`, about `count` of them. */
export function niceSteps(max: number, count: number): { top: number; values: number[] } {
  const safe = max > 0 ? max : 1;
  const raw = safe / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  const top = Math.ceil(safe / step) * step;
  const values: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) values.push(Number(v.toFixed(6)));
  return { top, values };
}

/** Time ticks on whole multiples of 5, 10, 15, 30 or 60 minutes (UTC-aligned; the city's offset is whole hours). */
export function timeTicks(fromMs: number, toMs: number, maxTicks: number): number[] {
  const minutes = [5, 10, 15, 30, 60, 120, 180, 360];
  const spanMin = (toMs - fromMs) / 60_000;
  const stepMin = minutes.find((m) => spanMin / m <= Math.max(1, maxTicks)) ?? 360;
  const step = stepMin * 60_000;
  const ticks: number[] = [];
  for (let t = Math.ceil(fromMs / step) * step; t <= toMs; t += step) ticks.push(t);
  return ticks;
}

// ------------------------------------------------------------------ Purdue Coordination Diagram

export interface PcdDot {
  x: number;
  y: number;
  /** Arrived between the start of green and the start of yellow of its cycle. */
  onGreen: boolean;
}

export interface PcdGeometry {
  phase: number;
  /** Time span drawn (ms): the window, widened to the last cycle's end. */
  x0: number;
  x1: number;
  /** Seconds in cycle at the top of the plot. */
  yTop: number;
  dots: PcdDot[];
  /** The green period of each cycle (start of green to start of yellow): a shaded rectangle. */
  greenBands: Array<{ x: number; width: number; y: number; height: number }>;
  /** Step lines through each cycle's start of green, start of yellow and end (SVG path data). */
  greenLine: string;
  yellowLine: string;
  cycleEndLine: string;
  xTicks: Tick[];
  yTicks: Tick[];
  arrivals: number;
  arrivalsOnGreen: number;
  /** arrivalsOnGreen / arrivals, null without arrivals. */
  aogShare: number | null;
}

const f1 = (n: number) => Number(n.toFixed(1));

/**
 * One phase's PCD: per red-to-red cycle, each arrival at the stop line (the advance
 * detector's actuation moved by its travel time) is a dot at its time of day (x) and its
 * second in the cycle (y); lines mark the start of green and of yellow in each cycle, and
 * the cycle's end. The arrivals-on-green count uses the measures library's rule:
 * greenAt <= s < yellowAt (or the cycle end when yellow is not logged).
 */
export function pcdGeometry(pcd: PcdPhaseView, window: { fromMs: number; toMs: number }, box: PlotBox): PcdGeometry {
  const cycles = pcd.cycles.map((c) => ({ ...c, startMs: Date.parse(c.cycleStart) }));
  let x1 = window.toMs;
  let longest = 0;
  for (const c of cycles) {
    x1 = Math.max(x1, c.startMs + c.cycleSeconds * 1000);
    longest = Math.max(longest, c.cycleSeconds);
  }
  const x0 = Math.min(window.fromMs, cycles.length ? cycles[0].startMs : window.fromMs);
  const yScale = niceSteps(longest || 60, 4);
  const plotW = box.width - box.pad.l - box.pad.r;
  const X = scale(x0, x1, box.pad.l, box.pad.l + plotW);
  const Y = scale(0, yScale.top, box.height - box.pad.b, box.pad.t);

  const dots: PcdDot[] = [];
  const greenBands: PcdGeometry['greenBands'] = [];
  let green = '';
  let yellow = '';
  let end = '';
  let onGreen = 0;
  // A step line: flat across each cycle at its value, lifted where the value is missing.
  const step = (d: string, from: number, to: number, value: number | null, prevTo: number | null): string => {
    if (value === null) return d;
    const y = f1(Y(value));
    return `${d}${prevTo !== null && Math.abs(prevTo - from) < 0.5 && d ? 'L' : 'M'}${f1(from)} ${y}L${f1(to)} ${y}`;
  };
  let lastTo: { g: number | null; y: number | null; e: number | null } = { g: null, y: null, e: null };
  for (const c of cycles) {
    const from = X(c.startMs);
    const to = X(c.startMs + c.cycleSeconds * 1000);
    const greenEnd = c.yellowAtSeconds ?? c.cycleSeconds;
    if (c.greenAtSeconds !== null) {
      greenBands.push({ x: f1(from), width: f1(Math.max(0, to - from)), y: f1(Y(greenEnd)), height: f1(Math.max(0, Y(c.greenAtSeconds) - Y(greenEnd))) });
    }
    green = step(green, from, to, c.greenAtSeconds, lastTo.g);
    yellow = step(yellow, from, to, c.yellowAtSeconds, lastTo.y);
    end = step(end, from, to, c.cycleSeconds, lastTo.e);
    lastTo = { g: c.greenAtSeconds === null ? null : to, y: c.yellowAtSeconds === null ? null : to, e: to };
    for (const s of c.arrivalsSeconds) {
      const isGreen = c.greenAtSeconds !== null && s >= c.greenAtSeconds && s < greenEnd;
      if (isGreen) onGreen++;
      dots.push({ x: f1(X(c.startMs + s * 1000)), y: f1(Y(s)), onGreen: isGreen });
    }
  }
  return {
    phase: pcd.phase,
    x0,
    x1,
    yTop: yScale.top,
    dots,
    greenBands,
    greenLine: green,
    yellowLine: yellow,
    cycleEndLine: end,
    xTicks: timeTicks(x0, x1, Math.max(2, Math.floor(plotW / 70))).map((t) => ({ at: f1(X(t)), value: t })),
    yTicks: yScale.values.map((v) => ({ at: f1(Y(v)), value: v })),
    arrivals: dots.length,
    arrivalsOnGreen: onGreen,
    aogShare: dots.length ? onGreen / dots.length : null,
  };
}

// ------------------------------------------------------------------ split monitor

/** How a green ended, by shape (readable without colour) and by colour. */
export const TERMINATION_SHAPES: Record<PhaseTerminationView, 'circle' | 'square' | 'triangle' | 'cross'> = {
  'gap-out': 'circle',
  'max-out': 'square',
  'force-off': 'triangle',
  unknown: 'cross',
};

export interface SplitMark {
  x: number;
  /** Top of the bar: the green's length. */
  y: number;
  /** Bottom of the bar (0 s). */
  base: number;
  greenSeconds: number;
  termination: PhaseTerminationView;
  shape: (typeof TERMINATION_SHAPES)[PhaseTerminationView];
}

export interface SplitGeometry {
  phase: number;
  x0: number;
  x1: number;
  yTop: number;
  marks: SplitMark[];
  /** The 85th-percentile green (ATSPM's split monitor line), as a y position. */
  p85Y: number;
  xTicks: Tick[];
  yTicks: Tick[];
  counts: Record<PhaseTerminationView, number>;
}

/** The top of the split monitor's y axis shared by every phase of a crossing (longest green, at least 10 s). */
export function splitTop(phases: readonly SplitMonitorPhaseView[]): number {
  let longest = 10;
  for (const p of phases) for (const g of p.greens) longest = Math.max(longest, g.greenSeconds);
  return niceSteps(longest, 4).top;
}

/**
 * One phase's split monitor: each green as a bar at its start time (x) up to its length in
 * seconds (y), ended by a marker whose shape and colour say how it ended (gap-out circle,
 * max-out square, force-off triangle, not logged: cross), and the 85th-percentile line.
 */
export function splitGeometry(phase: SplitMonitorPhaseView, window: { fromMs: number; toMs: number }, box: PlotBox, top = splitTop([phase])): SplitGeometry {
  const yScale = niceSteps(top, 4); // the axis ends on a tick
  const yTop = yScale.top;
  const plotW = box.width - box.pad.l - box.pad.r;
  const X = scale(window.fromMs, window.toMs, box.pad.l, box.pad.l + plotW);
  const Y = scale(0, yTop, box.height - box.pad.b, box.pad.t);
  const counts: Record<PhaseTerminationView, number> = { 'gap-out': 0, 'max-out': 0, 'force-off': 0, unknown: 0 };
  const marks = phase.greens.map((g): SplitMark => {
    counts[g.termination]++;
    return { x: f1(X(Date.parse(g.greenStart))), y: f1(Y(Math.min(g.greenSeconds, yTop))), base: f1(Y(0)), greenSeconds: g.greenSeconds, termination: g.termination, shape: TERMINATION_SHAPES[g.termination] };
  });
  return {
    phase: phase.phase,
    x0: window.fromMs,
    x1: window.toMs,
    yTop,
    marks,
    p85Y: f1(Y(Math.min(phase.p85GreenSeconds, yTop))),
    xTicks: timeTicks(window.fromMs, window.toMs, Math.max(2, Math.floor(plotW / 70))).map((t) => ({ at: f1(X(t)), value: t })),
    yTicks: yScale.values.map((v) => ({ at: f1(Y(v)), value: v })),
    counts,
  };
}

// ------------------------------------------------------------------ split failures

/** ATSPM's split failure rule: both occupancy ratios at or above this (the server decides `failed`; the line shows it). */
export const SPLIT_FAILURE_THRESHOLD = 0.79;

export interface OccupancyPoint {
  x: number;
  y: number;
  failed: boolean;
}

export interface SplitFailureGeometry {
  phase: number;
  /** Green occupancy ratio of each green (its start time, 0–100 %). */
  gor: OccupancyPoint[];
  /** Occupancy ratio of the first 5 s of red after each green. */
  ror: OccupancyPoint[];
  /** x of each failed green (a bar from the bottom to the top of the plot). */
  failures: number[];
  thresholdY: number;
  top: number;
  bottom: number;
  xTicks: Tick[];
  yTicks: Tick[];
}

/**
 * One phase's split failures (ATSPM): per green, its green occupancy ratio and its red
 * occupancy ratio (first 5 s of red) of the stop-bar zones at the green's start time, on
 * 0–100 %, the 79 % line, and a bar at each green the server judged failed (both ratios at
 * or above it). Greens outside the window are left out.
 */
export function splitFailureGeometry(phase: SplitFailuresView, window: { fromMs: number; toMs: number }, box: PlotBox): SplitFailureGeometry {
  const plotW = box.width - box.pad.l - box.pad.r;
  const X = scale(window.fromMs, window.toMs, box.pad.l, box.pad.l + plotW);
  const bottom = box.height - box.pad.b;
  const Y = scale(0, 1, bottom, box.pad.t);
  const gor: OccupancyPoint[] = [];
  const ror: OccupancyPoint[] = [];
  const failures: number[] = [];
  for (const g of phase.greens) {
    const t = Date.parse(g.greenStart);
    if (!(t >= window.fromMs && t < window.toMs)) continue;
    const x = f1(X(t));
    gor.push({ x, y: f1(Y(clamp01(g.greenOccupancy))), failed: g.failed });
    ror.push({ x, y: f1(Y(clamp01(g.redOccupancy))), failed: g.failed });
    if (g.failed) failures.push(x);
  }
  return {
    phase: phase.phase,
    gor,
    ror,
    failures,
    thresholdY: f1(Y(SPLIT_FAILURE_THRESHOLD)),
    top: box.pad.t,
    bottom,
    xTicks: timeTicks(window.fromMs, window.toMs, Math.max(2, Math.floor(plotW / 70))).map((t) => ({ at: f1(X(t)), value: t })),
    yTicks: [0, 0.25, 0.5, 0.75, 1].map((v) => ({ at: f1(Y(v)), value: v * 100 })),
  };
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

// ------------------------------------------------------------------ approach volume

export interface VolumeSeries {
  approachId: string;
  /** A step line: flat across each bin at its rate (SVG path data, one subpath per run of bins). */
  path: string;
  bins: number;
  total: number;
  vehPerHour: number;
}

export interface VolumeGeometry {
  series: VolumeSeries[];
  /** veh/h at the top of the plot. */
  yTop: number;
  xTicks: Tick[];
  yTicks: Tick[];
}

/**
 * Approach volumes as rates: each bin's count × 60 / binMinutes veh/h drawn flat across the
 * bin, one step line per approach, all on one y axis (the busiest bin sets its top).
 * Bins outside the window are left out; a gap between bins lifts the pen.
 */
export function volumeGeometry(volumes: readonly ApproachVolumeView[], binMinutes: number, window: { fromMs: number; toMs: number }, box: PlotBox): VolumeGeometry {
  const perHour = 60 / binMinutes;
  const binMs = binMinutes * 60_000;
  let max = 0;
  const inWindow = (start: number) => start >= window.fromMs && start < window.toMs;
  for (const v of volumes) for (const b of v.bins) if (inWindow(Date.parse(b.start))) max = Math.max(max, b.count * perHour);
  const yScale = niceSteps(max || 100, 4);
  const plotW = box.width - box.pad.l - box.pad.r;
  const X = scale(window.fromMs, window.toMs, box.pad.l, box.pad.l + plotW);
  const Y = scale(0, yScale.top, box.height - box.pad.b, box.pad.t);
  const series = volumes.map((v): VolumeSeries => {
    let path = '';
    let lastEnd: number | null = null;
    let bins = 0;
    for (const b of [...v.bins].sort((a, c) => Date.parse(a.start) - Date.parse(c.start))) {
      const start = Date.parse(b.start);
      if (!inWindow(start)) continue;
      const end = Math.min(start + binMs, window.toMs);
      const y = f1(Y(b.count * perHour));
      path += `${lastEnd === start ? 'L' : 'M'}${f1(X(start))} ${y}L${f1(X(end))} ${y}`;
      lastEnd = start + binMs;
      bins++;
    }
    return { approachId: v.approachId, path, bins, total: v.total, vehPerHour: v.vehPerHour };
  });
  return {
    series,
    yTop: yScale.top,
    xTicks: timeTicks(window.fromMs, window.toMs, Math.max(2, Math.floor(plotW / 70))).map((t) => ({ at: f1(X(t)), value: t })),
    yTicks: yScale.values.map((v) => ({ at: f1(Y(v)), value: v })),
  };
}

/** SVG path data of a marker centred on (x, y), about 2r across. */
export function markerPath(shape: SplitMark['shape'], x: number, y: number, r: number): string {
  const n = (v: number) => f1(v);
  switch (shape) {
    case 'circle':
      return `M${n(x - r)} ${n(y)}a${r} ${r} 0 1 0 ${n(2 * r)} 0a${r} ${r} 0 1 0 ${n(-2 * r)} 0Z`;
    case 'square':
      return `M${n(x - r)} ${n(y - r)}h${n(2 * r)}v${n(2 * r)}h${n(-2 * r)}Z`;
    case 'triangle':
      return `M${n(x)} ${n(y - r * 1.15)}L${n(x + r * 1.1)} ${n(y + r * 0.85)}L${n(x - r * 1.1)} ${n(y + r * 0.85)}Z`;
    case 'cross':
      return `M${n(x - r)} ${n(y - r)}L${n(x + r)} ${n(y + r)}M${n(x + r)} ${n(y - r)}L${n(x - r)} ${n(y + r)}`;
  }
}
