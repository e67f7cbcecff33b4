import { h, s } from '../ui/dom';
import { HOUR, MINUTE, fmtClock, fmtDataTimeShort, fmtDay, fmtInt, localHour } from '../ui/format';

export interface ChartPoint { t: number; v: number | null }
export interface BandPoint { t: number; mean: number; lo80: number; hi80: number; lo95: number; hi95: number }
export interface ChartData {
  observed: ChartPoint[];
  oneStep: ChartPoint[];
  forecast: { baseT: number; baseV: number | null; points: BandPoint[] } | null;
  /** End of the last observed interval (data time): everything right of it is forecast. */
  nowT: number | null;
  windowMs: number;
}

/** Hover readout: x in CSS px inside the chart and the rows to show. */
export type Readout = (clientX: number | null) => { x: number; rows: HTMLElement[] } | null;

/** Hour-aligned ticks in city time (Melbourne's offset is whole hours, so UTC hours are local hours). */
function timeTicks(fromMs: number, toMs: number, maxTicks: number) {
  const spanHours = (toMs - fromMs) / HOUR;
  const step = [1, 2, 3, 6, 12, 24].find((st) => spanHours / st <= maxTicks) ?? 24;
  const ticks: Array<{ t: number; midnight: boolean; label: string }> = [];
  for (let t = Math.ceil(fromMs / HOUR) * HOUR; t <= toMs; t += HOUR) {
    const hour = localHour(t);
    if (hour % step !== 0) continue;
    ticks.push({ t, midnight: hour === 0, label: hour === 0 ? fmtDay(t) : fmtClock(t) });
  }
  return ticks;
}

function niceTicks(max: number, count: number) {
  if (!(max > 0)) max = 1;
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  const top = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  return { top, ticks };
}

/** An SVG path through points, lifting the pen at nulls and at gaps longer than maxGap. */
function pathWithGaps(points: ChartPoint[], X: (t: number) => number, Y: (v: number) => number, maxGap: number): string {
  let d = '';
  let pen = false;
  let prevT: number | null = null;
  for (const p of points) {
    if (p.v == null || !Number.isFinite(p.v)) { pen = false; continue; }
    d += `${pen && prevT != null && p.t - prevT <= maxGap ? 'L' : 'M'}${X(p.t).toFixed(1)} ${Y(p.v).toFixed(1)}`;
    pen = true;
    prevT = p.t;
  }
  return d;
}

/** Observed totals against 1-step-ahead forecasts and the latest forecast with its 80 % / 95 % bands. */
export function renderChart(svg: SVGSVGElement, data: ChartData): Readout {
  const width = Math.max(320, Math.round(svg.clientWidth || 800));
  const height = Math.max(180, Math.round(svg.clientHeight || 260));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const pad = { l: 46, r: 14, t: 12, b: 28 };
  const plotW = width - pad.l - pad.r;
  const plotH = height - pad.t - pad.b;

  let lastT = -Infinity;
  for (const p of data.observed) lastT = Math.max(lastT, p.t);
  for (const p of data.oneStep) lastT = Math.max(lastT, p.t);
  const fc = data.forecast;
  if (fc) for (const p of fc.points) lastT = Math.max(lastT, p.t);
  if (!Number.isFinite(lastT)) { svg.replaceChildren(); return () => null; }
  const anchorT = data.nowT ?? lastT;
  const x0 = Math.min(anchorT, lastT) - data.windowMs;
  let x1 = lastT + 10 * MINUTE;
  if (fc?.points.length) x1 = Math.max(x1, fc.points[fc.points.length - 1].t + 10 * MINUTE);
  const inWindow = (p: { t: number }) => p.t >= x0 && p.t <= x1;
  const observed = data.observed.filter(inWindow);
  const oneStep = data.oneStep.filter(inWindow);

  let yMax = 0;
  for (const p of observed) if (p.v != null && p.v > yMax) yMax = p.v;
  for (const p of oneStep) if (p.v != null && p.v > yMax) yMax = p.v;
  if (fc) for (const p of fc.points) yMax = Math.max(yMax, p.hi95);
  const yt = niceTicks(yMax * 1.05, 4);
  const X = (t: number) => pad.l + ((t - x0) / (x1 - x0)) * plotW;
  const Y = (v: number) => pad.t + plotH - (v / yt.top) * plotH;
  const f = (n: number) => n.toFixed(1);

  const out: SVGElement[] = [];
  for (const v of yt.ticks) {
    out.push(s('line', { class: 'grid', x1: pad.l, x2: width - pad.r, y1: f(Y(v)), y2: f(Y(v)) }));
    out.push(s('text', { class: 'axis-label', x: pad.l - 6, y: f(Y(v) + 4), 'text-anchor': 'end' }, fmtInt(v)));
  }
  for (const tk of timeTicks(x0, x1, Math.max(3, Math.floor(plotW / 80)))) {
    const x = f(X(tk.t));
    out.push(s('line', { class: `grid${tk.midnight ? ' grid-midnight' : ''}`, x1: x, x2: x, y1: pad.t, y2: pad.t + plotH }));
    out.push(s('text', { class: `axis-label${tk.midnight ? ' strong' : ''}`, x, y: height - 8, 'text-anchor': 'middle' }, tk.label));
  }
  if (data.nowT != null && data.nowT >= x0 && data.nowT <= x1) {
    const nx = f(X(data.nowT));
    out.push(s('rect', { class: 'future', x: nx, y: pad.t, width: f(width - pad.r - X(data.nowT)), height: plotH }));
    out.push(s('line', { class: 'now', x1: nx, x2: nx, y1: pad.t, y2: pad.t + plotH }));
    out.push(s('text', { class: 'now-label', x: f(X(data.nowT) + 4), y: pad.t + 11 }, 'now'));
  }
  if (fc?.points.length) {
    // The fan opens from the last observed value rather than floating.
    const anchor: BandPoint[] = fc.baseV != null ? [{ t: fc.baseT, mean: fc.baseV, lo80: fc.baseV, hi80: fc.baseV, lo95: fc.baseV, hi95: fc.baseV }] : [];
    const pts = [...anchor, ...fc.points];
    const band = (lo: 'lo80' | 'lo95', hi: 'hi80' | 'hi95', cls: string) => {
      const upper = pts.map((p) => `${f(X(p.t))},${f(Y(p[hi]))}`);
      const lower = [...pts].reverse().map((p) => `${f(X(p.t))},${f(Y(p[lo]))}`);
      out.push(s('polygon', { class: cls, points: [...upper, ...lower].join(' ') }));
    };
    band('lo95', 'hi95', 'band95');
    band('lo80', 'hi80', 'band80');
    out.push(s('polyline', { class: 'line-forecast', points: pts.map((p) => `${f(X(p.t))},${f(Y(p.mean))}`).join(' ') }));
    for (const p of fc.points) out.push(s('circle', { class: 'dot-forecast', cx: f(X(p.t)), cy: f(Y(p.mean)), r: 3 }));
  }
  if (oneStep.length > 1) out.push(s('path', { class: 'line-onestep', d: pathWithGaps(oneStep, X, Y, 20 * MINUTE) }));
  if (observed.length) {
    out.push(s('path', { class: 'line-observed', d: pathWithGaps(observed, X, Y, 20 * MINUTE) }));
    const last = [...observed].reverse().find((p) => p.v != null);
    if (last?.v != null) out.push(s('circle', { class: 'dot-observed', cx: f(X(last.t)), cy: f(Y(last.v)), r: 3.5 }));
  }
  out.push(s('line', { class: 'axis', x1: pad.l, x2: width - pad.r, y1: pad.t + plotH, y2: pad.t + plotH }));
  const cursor = s('line', { class: 'cursor', x1: 0, x2: 0, y1: pad.t, y2: pad.t + plotH, visibility: 'hidden' });
  out.push(cursor);
  svg.replaceChildren(...out);

  // Hover readout: snap to the nearest interval that has anything to show.
  const slots = new Map<number, { obs?: number | null; one?: number | null; fc?: BandPoint }>();
  const slot = (t: number) => slots.get(t) ?? slots.set(t, {}).get(t)!;
  for (const p of observed) slot(p.t).obs = p.v;
  for (const p of oneStep) slot(p.t).one = p.v;
  if (fc) for (const p of fc.points) slot(p.t).fc = p;
  const times = [...slots.keys()].sort((a, b) => a - b);

  return (clientX) => {
    if (clientX == null || !times.length) { cursor.setAttribute('visibility', 'hidden'); return null; }
    const rect = svg.getBoundingClientRect();
    const t = x0 + ((((clientX - rect.left) / rect.width) * width - pad.l) / plotW) * (x1 - x0);
    const best = times.reduce((a, b) => (Math.abs(b - t) < Math.abs(a - t) ? b : a));
    const sl = slots.get(best)!;
    const sx = X(best);
    cursor.setAttribute('x1', f(sx));
    cursor.setAttribute('x2', f(sx));
    cursor.setAttribute('visibility', 'visible');
    const rows = [h('div', undefined, h('strong', undefined, fmtDataTimeShort(best)))];
    if ('obs' in sl) rows.push(h('div', undefined, h('span', { class: 'c-obs' }, 'observed'), ` ${sl.obs == null ? 'missing' : fmtInt(sl.obs)}`));
    if ('one' in sl) rows.push(h('div', undefined, h('span', { class: 'c-one' }, '1-step fc'), ` ${fmtInt(sl.one)}`));
    if (sl.fc) rows.push(h('div', undefined, h('span', { class: 'c-fc' }, 'forecast'), ` ${fmtInt(sl.fc.mean)} `, h('span', { class: 'muted' }, `(${fmtInt(sl.fc.lo80)}–${fmtInt(sl.fc.hi80)})`)));
    return { x: (sx / width) * rect.width, rows };
  };
}
