import type { CrossingMeasuresView, PhaseTerminationView } from '@crosscast/contracts';
import { fill, h, s } from '../ui/dom';
import { fmtClock, fmtInt, fmtPct } from '../ui/format';
import { type PlotBox, SPLIT_FAILURE_THRESHOLD, TERMINATION_SHAPES, markerPath, pcdGeometry, splitFailureGeometry, splitGeometry, splitTop, volumeGeometry } from './measures-geometry';

/** What the crossing view knows of the selected crossing's measures. */
export interface MeasuresState {
  view: CrossingMeasuresView | null;
  loading: boolean;
  error: string | null;
}

const PCD_HEIGHT = 170;
const SPLIT_HEIGHT = 120;
const FAILURE_HEIGHT = 110;
const VOLUME_HEIGHT = 150;
/** Approach lines told apart by colour and by dash (readable without colour vision). */
const SERIES_COLOURS = ['#7fd4ff', '#f0a35e', '#c792ea', '#8bd17c', '#e5c07b', '#ff7b9c', '#56b6c2', '#d19a66'];
const SERIES_DASHES = ['', '6 3', '2 2', '8 3 2 3'];
const PAD = { l: 40, r: 10, t: 8, b: 22 };
/** About half the width of an "HH:MM" tick label (px). */
const X_LABEL_HALF_WIDTH = 18;
const TERMINATION_TEXT: Record<PhaseTerminationView, string> = { 'gap-out': 'gap-out', 'max-out': 'max-out', 'force-off': 'force-off', unknown: 'not logged' };

/**
 * The performance-measure charts of the selected crossing, from GET /api/crossings/:id/measures
 * over the chosen window: a Purdue Coordination Diagram per phase with arrival detectors,
 * the split monitor per phase, split failures per phase with stop-bar detectors, and the
 * approach volumes. SVG built through the DOM (no markup strings). Each figure carries its
 * counts (`data-dots`, `data-marks`, `data-greens`, `data-failures`, `data-bins`) for tests.
 */
export function renderMeasures(box: HTMLElement, head: HTMLElement, state: MeasuresState, approachLabel: (approachId: string) => string = (id) => id): void {
  const view = state.view;
  // The window drawn, for tests and the benchmark (the REST response it came from has the same from/to).
  box.dataset.from = view?.from ?? '';
  box.dataset.to = view?.to ?? '';
  if (!view) {
    fill(head, state.loading ? 'loading…' : '');
    const testid = state.error ? 'measures-error' : state.loading ? 'measures-loading' : 'measures-empty';
    fill(box, h('div', { class: 'empty', 'data-testid': testid }, state.error ? `Could not load the measures: ${state.error}` : state.loading ? 'loading the controller event log…' : 'no controller events for this crossing yet'));
    return;
  }
  const fromMs = Date.parse(view.from);
  const toMs = Date.parse(view.to);
  fill(head, `${fmtClock(fromMs)}–${fmtClock(toMs)} · ${fmtInt(view.events)} controller events${state.loading ? ' · refreshing…' : ''}`);
  const greens = view.splitMonitor.reduce((n, p) => n + p.greens.length, 0);
  const cycles = view.pcd.reduce((n, p) => n + p.cycles.length, 0);
  const counted = view.approachVolumes.reduce((n, v) => n + v.total, 0);
  if (view.events === 0 || (greens === 0 && cycles === 0 && counted === 0)) {
    fill(box, h('div', { class: 'empty', 'data-testid': 'measures-empty' }, 'no controller events for this crossing yet (the simulator sends them in simulate mode, an interval late)'));
    return;
  }
  const width = Math.max(320, Math.round(box.clientWidth || 720));
  const window = { fromMs, toMs };
  const pcdFigures = view.pcd.map((phase) => pcdFigure(view, phase.phase, window, { width, height: PCD_HEIGHT, pad: PAD }));
  const top = splitTop(view.splitMonitor);
  const splitFigures = view.splitMonitor.map((phase) => splitFigure(view, phase.phase, window, { width, height: SPLIT_HEIGHT, pad: PAD }, top));
  fill(
    box,
    h('h4', undefined, 'Purdue Coordination Diagram'),
    h(
      'div',
      { class: 'measures-legend' },
      h('span', { class: 'lg-dot' }), 'arrival at the stop line (advance detector + travel time)',
      h('span', { class: 'lg-line pcd-green' }), 'start of green',
      h('span', { class: 'lg-line pcd-yellow' }), 'start of yellow (dashed)',
      h('span', { class: 'lg-band pcd-band' }), 'green',
    ),
    ...(pcdFigures.length ? pcdFigures : [h('div', { class: 'empty' }, 'no arrival detectors on this crossing’s phases')]),
    h('h4', undefined, 'Split monitor'),
    h(
      'div',
      { class: 'measures-legend' },
      ...(Object.keys(TERMINATION_SHAPES) as PhaseTerminationView[]).flatMap((t) => [legendMarker(t), TERMINATION_TEXT[t]]),
      h('span', { class: 'lg-line split-p85' }), '85th percentile green',
    ),
    ...(splitFigures.length ? splitFigures : [h('div', { class: 'empty' }, 'no whole greens in this window')]),
    h('h4', undefined, 'Split failures'),
    h(
      'div',
      { class: 'measures-legend' },
      h('span', { class: 'lg-marker-gor' }), 'green occupancy (stop bar)',
      h('span', { class: 'lg-marker-ror' }), 'occupancy, first 5 s of red',
      h('span', { class: 'lg-line sf-threshold' }), `${Math.round(SPLIT_FAILURE_THRESHOLD * 100)} %`,
      h('span', { class: 'lg-line sf-fail' }), 'split failure (both at or over the line)',
    ),
    ...(view.splitFailures.length ? view.splitFailures.map((p) => failureFigure(p, window, { width, height: FAILURE_HEIGHT, pad: PAD })) : [h('div', { class: 'empty', 'data-testid': 'split-failures-none' }, 'no stop-bar detectors on this crossing’s phases')]),
    h('h4', undefined, 'Approach volume'),
    volumeFigure(view, window, { width, height: VOLUME_HEIGHT, pad: PAD }, approachLabel),
  );
}

function failureFigure(p: CrossingMeasuresView['splitFailures'][number], window: { fromMs: number; toMs: number }, plot: PlotBox): HTMLElement {
  const g = splitFailureGeometry(p, window, plot);
  const svg = s('svg', { class: 'measure-chart split-failure-chart', viewBox: `0 0 ${plot.width} ${plot.height}`, role: 'img', 'aria-label': `Split failures, phase ${p.phase}` });
  const out: SVGElement[] = [];
  axes(out, plot, g.xTicks, g.yTicks, '%');
  out.push(s('path', { class: 'sf-fail', d: g.failures.map((x) => `M${x} ${g.top}V${g.bottom}`).join(''), 'data-count': g.failures.length }));
  out.push(s('line', { class: 'sf-threshold', x1: plot.pad.l, x2: plot.width - plot.pad.r, y1: g.thresholdY, y2: g.thresholdY }));
  // Green occupancy: dots; red occupancy: hollow squares (shape and colour differ). One path per series.
  out.push(s('path', { class: 'sf-gor', d: g.gor.map((d) => markerPath('circle', d.x, d.y, 1.8)).join(''), 'data-count': g.gor.length }));
  out.push(s('path', { class: 'sf-ror', d: g.ror.map((d) => `M${d.x - 1.8} ${d.y - 1.8}h3.6v3.6h-3.6Z`).join(''), 'data-count': g.ror.length }));
  svg.replaceChildren(...out);
  return h(
    'figure',
    { class: 'measure-figure', 'data-testid': 'split-failures', 'data-phase': p.phase, 'data-greens': g.gor.length, 'data-failures': g.failures.length },
    h('figcaption', undefined, h('strong', undefined, `Phase ${p.phase}`), ` · ${fmtInt(p.failures)} split failures in ${fmtInt(p.cycles)} cycles (${fmtPct(p.failureShare)})`),
    svg,
  );
}

function volumeFigure(view: CrossingMeasuresView, window: { fromMs: number; toMs: number }, plot: PlotBox, approachLabel: (approachId: string) => string): HTMLElement {
  const g = volumeGeometry(view.approachVolumes, view.binMinutes, window, plot);
  const svg = s('svg', { class: 'measure-chart volume-chart', viewBox: `0 0 ${plot.width} ${plot.height}`, role: 'img', 'aria-label': `Approach volume, vehicles per hour in ${view.binMinutes}-minute bins` });
  const out: SVGElement[] = [];
  // (The unit is in the title: "veh/h" beside the top tick would not fit the left margin.)
  axes(out, plot, g.xTicks, g.yTicks, '');
  const style = (i: number) => ({ stroke: SERIES_COLOURS[i % SERIES_COLOURS.length], 'stroke-dasharray': SERIES_DASHES[i % SERIES_DASHES.length] || undefined });
  g.series.forEach((series, i) => out.push(s('path', { class: 'vol-line', d: series.path, 'data-approach': series.approachId, 'data-bins': series.bins, ...style(i) })));
  svg.replaceChildren(...out);
  const legend = h(
    'div',
    { class: 'measures-legend' },
    ...g.series.flatMap((series, i) => [
      s('svg', { class: 'lg-marker', width: 20, height: 8, viewBox: '0 0 20 8', 'aria-hidden': 'true' }, s('line', { x1: 0, x2: 20, y1: 4, y2: 4, 'stroke-width': 2, ...style(i) })),
      `${approachLabel(series.approachId)} ${fmtInt(series.total)} (${fmtInt(series.vehPerHour)} veh/h)`,
    ]),
  );
  const bins = g.series.reduce((n, x) => n + x.bins, 0);
  return h(
    'figure',
    { class: 'measure-figure', 'data-testid': 'volumes', 'data-series': g.series.length, 'data-bins': bins },
    h('figcaption', undefined, h('strong', undefined, 'Vehicles per hour'), ` · per approach, ${view.binMinutes}-minute bins · ${fmtInt(view.approachVolumes.reduce((n, v) => n + v.total, 0))} vehicles`),
    g.series.length ? legend : h('div', { class: 'empty' }, 'no count detectors on this crossing'),
    svg,
  );
}

function pcdFigure(view: CrossingMeasuresView, phase: number, window: { fromMs: number; toMs: number }, plot: PlotBox): HTMLElement {
  const g = pcdGeometry(view.pcd.find((p) => p.phase === phase)!, window, plot);
  const aog = view.arrivalsOnGreen.find((a) => a.phase === phase);
  const svg = s('svg', { class: 'measure-chart pcd-chart', viewBox: `0 0 ${plot.width} ${plot.height}`, role: 'img', 'aria-label': `Purdue Coordination Diagram, phase ${phase}` });
  const out: SVGElement[] = [];
  axes(out, plot, g.xTicks, g.yTicks, 's');
  for (const b of g.greenBands) out.push(s('rect', { class: 'pcd-band', x: b.x, y: b.y, width: b.width, height: b.height }));
  out.push(s('path', { class: 'pcd-end', d: g.cycleEndLine }));
  out.push(s('path', { class: 'pcd-green', d: g.greenLine }));
  out.push(s('path', { class: 'pcd-yellow', d: g.yellowLine }));
  // One path of tiny squares per kind is far lighter than a circle per arrival; each dot is one subpath.
  const dots = (list: typeof g.dots, cls: string) => s('path', { class: cls, d: list.map((d) => `M${d.x - 1.3} ${d.y - 1.3}h2.6v2.6h-2.6Z`).join(''), 'data-count': list.length });
  out.push(dots(g.dots.filter((d) => !d.onGreen), 'pcd-dots'));
  out.push(dots(g.dots.filter((d) => d.onGreen), 'pcd-dots on-green'));
  svg.replaceChildren(...out);
  const share = aog?.aogShare ?? g.aogShare;
  return h(
    'figure',
    { class: 'measure-figure', 'data-testid': 'pcd', 'data-phase': phase, 'data-dots': g.dots.length, 'data-cycles': view.pcd.find((p) => p.phase === phase)!.cycles.length },
    h('figcaption', undefined, h('strong', undefined, `Phase ${phase}`), ` · arrivals on green ${fmtPct(share)} (${fmtInt(g.arrivalsOnGreen)} of ${fmtInt(g.arrivals)})`, aog?.platoonRatio != null ? ` · platoon ratio ${aog.platoonRatio.toFixed(2)}` : '', ` · ${fmtInt(view.pcd.find((p) => p.phase === phase)!.cycles.length)} cycles`),
    svg,
  );
}

function splitFigure(view: CrossingMeasuresView, phase: number, window: { fromMs: number; toMs: number }, plot: PlotBox, top: number): HTMLElement {
  const p = view.splitMonitor.find((x) => x.phase === phase)!;
  const g = splitGeometry(p, window, plot, top);
  const svg = s('svg', { class: 'measure-chart split-chart', viewBox: `0 0 ${plot.width} ${plot.height}`, role: 'img', 'aria-label': `Split monitor, phase ${phase}` });
  const out: SVGElement[] = [];
  axes(out, plot, g.xTicks, g.yTicks, 's');
  out.push(s('line', { class: 'split-p85', x1: plot.pad.l, x2: plot.width - plot.pad.r, y1: g.p85Y, y2: g.p85Y }));
  for (const m of g.marks) {
    out.push(s('line', { class: `split-bar term-${m.termination}`, x1: m.x, x2: m.x, y1: m.base, y2: m.y }));
    out.push(s('path', { class: `split-mark term-${m.termination}`, d: markerPath(m.shape, m.x, m.y, 3.2), 'data-termination': m.termination }, s('title', undefined, `${m.greenSeconds.toFixed(1)} s green, ${TERMINATION_TEXT[m.termination]}`)));
  }
  svg.replaceChildren(...out);
  return h(
    'figure',
    { class: 'measure-figure', 'data-testid': 'split', 'data-phase': phase, 'data-marks': g.marks.length },
    h(
      'figcaption',
      undefined,
      h('strong', undefined, `Phase ${phase}`),
      ` · ${fmtInt(p.cycles)} greens · mean ${p.meanGreenSeconds.toFixed(1)} s · p85 ${p.p85GreenSeconds.toFixed(1)} s · gap-out ${fmtPct(p.gapOutShare)} · max-out ${fmtPct(p.maxOutShare)} · force-off ${fmtPct(p.forceOffShare)}`,
      p.unknownShare > 0 ? ` · not logged ${fmtPct(p.unknownShare)}` : '',
    ),
    svg,
  );
}

function axes(out: SVGElement[], plot: PlotBox, xTicks: Array<{ at: number; value: number }>, yTicks: Array<{ at: number; value: number }>, unit: string): void {
  const bottom = plot.height - plot.pad.b;
  for (const t of yTicks) {
    out.push(s('line', { class: 'grid', x1: plot.pad.l, x2: plot.width - plot.pad.r, y1: t.at, y2: t.at }));
    out.push(s('text', { class: 'axis-label', x: plot.pad.l - 5, y: t.at + 4, 'text-anchor': 'end' }, `${fmtInt(t.value)}${t.value === yTicks[yTicks.length - 1].value ? ` ${unit}` : ''}`));
  }
  for (const t of xTicks) {
    out.push(s('line', { class: 'grid', x1: t.at, x2: t.at, y1: plot.pad.t, y2: bottom }));
    // A tick at the right edge (the window's end) is labelled leftwards, so its label is not cut off.
    const atEdge = t.at > plot.width - X_LABEL_HALF_WIDTH;
    out.push(s('text', { class: 'axis-label', x: atEdge ? plot.width - 1 : t.at, y: plot.height - 6, 'text-anchor': atEdge ? 'end' : 'middle' }, fmtClock(t.value)));
  }
  out.push(s('line', { class: 'axis', x1: plot.pad.l, x2: plot.width - plot.pad.r, y1: bottom, y2: bottom }));
}

function legendMarker(t: PhaseTerminationView): SVGSVGElement {
  return s('svg', { class: 'lg-marker', width: 12, height: 12, viewBox: '0 0 12 12', 'aria-hidden': 'true' }, s('path', { class: `split-mark term-${t}`, d: markerPath(TERMINATION_SHAPES[t], 6, 6, 4) }));
}
