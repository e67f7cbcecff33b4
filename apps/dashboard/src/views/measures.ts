import type { CrossingMeasuresView, PhaseTerminationView } from '@crosscast/contracts';
import { fill, h, s } from '../ui/dom';
import { fmtClock, fmtInt, fmtPct } from '../ui/format';
import { type PlotBox, TERMINATION_SHAPES, markerPath, pcdGeometry, splitGeometry, splitTop } from './measures-geometry';

/** What the crossing view knows of the selected crossing's measures. */
export interface MeasuresState {
  view: CrossingMeasuresView | null;
  loading: boolean;
  error: string | null;
}

const PCD_HEIGHT = 170;
const SPLIT_HEIGHT = 120;
const PAD = { l: 40, r: 10, t: 8, b: 22 };
const TERMINATION_TEXT: Record<PhaseTerminationView, string> = { 'gap-out': 'gap-out', 'max-out': 'max-out', 'force-off': 'force-off', unknown: 'not logged' };

/**
 * The performance-measure charts of the selected crossing, from GET /api/crossings/:id/measures:
 * a Purdue Coordination Diagram per phase with arrival detectors and the split monitor per
 * phase. SVG built through the DOM (no markup strings). Each figure carries its counts
 * (`data-dots`, `data-marks`) for tests.
 */
export function renderMeasures(box: HTMLElement, head: HTMLElement, state: MeasuresState): void {
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
  if (view.events === 0 || (greens === 0 && cycles === 0)) {
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
    out.push(s('text', { class: 'axis-label', x: t.at, y: plot.height - 6, 'text-anchor': 'middle' }, fmtClock(t.value)));
  }
  out.push(s('line', { class: 'axis', x1: plot.pad.l, x2: plot.width - plot.pad.r, y1: bottom, y2: bottom }));
}

function legendMarker(t: PhaseTerminationView): SVGSVGElement {
  return s('svg', { class: 'lg-marker', width: 12, height: 12, viewBox: '0 0 12 12', 'aria-hidden': 'true' }, s('path', { class: `split-mark term-${t}`, d: markerPath(TERMINATION_SHAPES[t], 6, 6, 4) }));
}
