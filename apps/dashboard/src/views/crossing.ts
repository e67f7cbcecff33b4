import type { CrossingFusionView, ForecastView, ObservationView, SimulationSnapshotView } from '@crosscast/contracts';
import { type Selection, type Store, latestObservation } from '../state/store';
import { byId, fill, h } from '../ui/dom';
import { HOUR, MINUTE, fmtClock, fmtDataTimeShort, fmtInt, fmtPct, ms } from '../ui/format';
import { type ChartData, type Readout, renderChart } from './chart';

const SOURCE_TEXT: Record<string, string> = {
  own: "the worker's own forecast (fusion has no track record for it yet)",
  fused: "the worker's forecast fused with the city's profile and its neighbours",
  estimated: "estimated from the crossing's historical profile and its neighbours: no usable worker forecast",
};

const text = (id: string, value: string) => {
  byId(id).textContent = value;
};

/** The selected crossing's header, key figures, estimate note, chart, approaches and simulated street. */
export function renderCrossing(store: Store, sel: Selection | null): Readout | null {
  if (!sel) {
    text('sel-id', '—');
    text('sel-name', store.crossings.length ? 'No crossing selected' : 'waiting for the first forecasts…');
    return null;
  }
  const id = sel.id;
  const status = store.statuses.get(id) ?? null;
  const f = store.freshnessOf(id);
  const fc = sel.latestForecast;
  text('sel-id', id);
  text('sel-name', store.nameOf(id));
  const pill = byId('sel-freshness');
  pill.textContent = f;
  pill.className = `pill pill-${f === 'fresh' || f === 'stale' ? f : 'offline'}`;
  text('sel-worker', status?.workerStatus ? `worker ${status.workerStatus}` : 'worker —');

  const model = status?.model ?? fc?.model ?? null;
  fill(
    byId('sel-model'),
    ...(model
      ? [
          'model ',
          h('strong', undefined, model.name),
          ` v${model.version} · backend ${model.backend} · trained on ${fmtInt(model.trainedOnIntervals)} intervals`,
          status?.drift ? ' · ' : '',
          status?.drift ? h('span', { id: 'sel-drift', class: status.drift.ratio > 1.5 ? 'drift-high' : 'drift-ok', title: "recent 1-step error of the crossing total against the model's validation error" }, `drift ×${status.drift.ratio.toFixed(2)}`) : null,
        ]
      : ['model: none yet']),
  );

  const lastObs = latestObservation(sel);
  const observed = lastObs ? lastObs.total : (status?.lastObservedTotal ?? null);
  text('selected-observed', observed == null ? '—' : fmtInt(observed));
  text('sel-observed-time', lastObs ? `interval ${fmtClock(lastObs.intervalStart)}${lastObs.filledShare > 0 ? ` · ${fmtPct(lastObs.filledShare)} filled` : ''}` : sel.loading ? 'loading…' : observed != null ? 'from crossing status' : 'no observations yet');

  const h1 = fc ? [...fc.horizons].sort((a, b) => a.stepsAhead - b.stepsAhead)[0] : null;
  text('selected-forecast-time', fc ? fmtDataTimeShort(fc.basedOnIntervalStart) : 'waiting for the first forecasts…');
  text('sel-forecast-quality', fc ? `real inputs ${fmtPct(fc.realInputShare)}${fc.qualityFlags.length ? ` · ${fc.qualityFlags.join(', ')}` : ''}` : '');
  // Next interval: the city fusion's value when it has one, else the worker's forecast.
  const fused = store.fused.get(id) ?? null;
  const f1 = fused?.horizons[0];
  const next = f1 ? { t: f1.intervalStart, band: f1.total, source: f1.source } : h1 ? { t: h1.intervalStart, band: h1.total, source: 'own' as const } : null;
  text('sel-next-mean', next ? fmtInt(next.band.mean) : '—');
  text('sel-next-band', next ? `${fmtClock(next.t)} · 80% ${fmtInt(next.band.lower80)}–${fmtInt(next.band.upper80)}` : '');
  const tag = byId('sel-forecast-source');
  tag.textContent = next ? next.source : '';
  tag.className = `source-tag${next?.source === 'estimated' ? ' estimated' : ''}`;
  tag.title = next ? SOURCE_TEXT[next.source] : '';
  renderEstimateNote(fused);

  const rec = sel.recommendation;
  text('sel-cycle', rec ? fmtInt(rec.cycleSeconds) : '—');
  const note = byId('sel-cycle-note');
  note.textContent = rec ? `${rec.oversaturated ? 'OVERSATURATED · ' : ''}${rec.phases.length} phases · ${rec.method}` : '';
  note.classList.toggle('warn', !!rec?.oversaturated);

  renderApproaches(store, id, fc, lastObs);
  renderSimulated(store.simulation, sel);
  return renderCrossingChart(store, sel);
}

function renderEstimateNote(fused: CrossingFusionView | null): void {
  const box = byId('sel-estimate');
  if (!fused || fused.source !== 'estimated') {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const why = fused.freshness === 'fresh' ? (fused.workerStatus === 'degraded' ? 'worker degraded' : 'worker forecast not usable') : `worker ${fused.freshness}`;
  const parts: Array<Node | string> = [];
  fused.horizons.forEach((x, i) => {
    if (i) parts.push(' · ');
    parts.push(h('span', { class: 'est-h' }, `+${x.horizonMinutes} min `, h('strong', undefined, fmtInt(x.total.mean)), ' ', h('span', { class: 'muted' }, `(80% ${fmtInt(x.total.lower80)}–${fmtInt(x.total.upper80)})`)));
  });
  box.hidden = false;
  fill(box, h('strong', { 'data-testid': 'estimate-label' }, `estimated (${why})`), ': ', ...parts, h('div', { class: 'muted small' }, `${fused.reason ?? SOURCE_TEXT.estimated}. The chart shows the estimate; the worker's last own forecast is in the table below.`));
}

function renderCrossingChart(store: Store, sel: Selection): Readout {
  const times = [...sel.observations.keys()].sort((a, b) => a - b);
  const data: ChartData = {
    observed: times.map((t) => ({ t, v: sel.observations.get(t)!.total })),
    oneStep: [...sel.oneStep.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v })),
    forecast: null,
    nowT: null,
    windowMs: store.chartHours * HOUR,
  };
  const est = store.estimateOf(sel.id);
  const fc = sel.latestForecast;
  const band = (x: { intervalStart: string; total: { mean: number; lower80: number; upper80: number; lower95: number; upper95: number } }) => ({ t: ms(x.intervalStart), mean: x.total.mean, lo80: x.total.lower80, hi80: x.total.upper80, lo95: x.total.lower95, hi95: x.total.upper95 });
  if (est) {
    // No usable worker forecast: draw fusion's estimate (and its wider band) from the city's now.
    const asOf = ms(est.asOfIntervalStart);
    data.nowT = asOf + (store.city?.intervalMinutes ?? 15) * MINUTE;
    data.forecast = { baseT: asOf, baseV: sel.observations.get(asOf)?.total ?? null, points: est.horizons.map(band) };
  } else if (fc) {
    const base = ms(fc.basedOnIntervalStart);
    data.nowT = base + fc.intervalMinutes * MINUTE;
    data.forecast = { baseT: base, baseV: sel.observations.get(base)?.total ?? null, points: [...fc.horizons].sort((a, b) => a.stepsAhead - b.stepsAhead).map(band) };
  } else if (times.length) data.nowT = times[times.length - 1] + 15 * MINUTE;
  const empty = byId('chart-empty');
  empty.hidden = !!(data.observed.length || data.oneStep.length || data.forecast);
  empty.textContent = sel.loading ? 'loading…' : 'waiting for the first forecasts…';
  byId('chart-readout').hidden = true;
  return renderChart(byId('chart') as unknown as SVGSVGElement, data);
}

function renderApproaches(store: Store, crossingId: string, fc: ForecastView | null, lastObs: ObservationView | null): void {
  const body = byId('approach-body');
  const c = store.definitions.get(crossingId);
  const horizons = fc ? [...fc.horizons].sort((a, b) => a.stepsAhead - b.stepsAhead) : [];
  const h1 = horizons[0];
  const hLast = horizons[horizons.length - 1];
  const ids = (c?.approaches ?? []).map((a) => a.id);
  if (h1) for (const a of Object.keys(h1.approaches)) if (!ids.includes(a)) ids.push(a);
  if (!ids.length) return fill(body, h('div', { class: 'empty' }, 'no approaches'));
  const rows = ids.map((a) => {
    const info = c?.approaches.find((x) => x.id === a);
    const b = h1?.approaches[a];
    const bl = hLast?.approaches[a];
    const obs = lastObs?.approaches[a];
    return h(
      'tr',
      undefined,
      h('td', { class: 'appr-name', title: info ? `${info.location} (${a})` : a }, h('span', { class: 'dir' }, info?.direction ?? '?'), info?.road ?? a),
      h('td', { class: 'num' }, obs == null ? '—' : fmtInt(obs)),
      h('td', { class: 'num strong' }, b ? fmtInt(b.mean) : '—'),
      h('td', { class: 'num muted' }, b ? `${fmtInt(b.lower80)}–${fmtInt(b.upper80)}` : '—'),
      h('td', { class: 'num' }, bl && hLast !== h1 ? fmtInt(bl.mean) : '—'),
    );
  });
  if (h1) {
    rows.push(
      h('tr', { class: 'total' }, h('td', undefined, 'Total'), h('td', { class: 'num' }, lastObs?.total != null ? fmtInt(lastObs.total) : '—'), h('td', { class: 'num strong' }, fmtInt(h1.total.mean)), h('td', { class: 'num muted' }, `${fmtInt(h1.total.lower80)}–${fmtInt(h1.total.upper80)}`), h('td', { class: 'num' }, hLast && hLast !== h1 ? fmtInt(hLast.total.mean) : '—')),
    );
  }
  fill(
    body,
    h(
      'table',
      { class: 'appr-table' },
      h('thead', undefined, h('tr', undefined, h('th', undefined, 'Approach'), h('th', { class: 'num', title: 'latest observed interval' }, 'Obs.'), h('th', { class: 'num' }, h1 ? `+${h1.horizonMinutes} min` : 'Next'), h('th', { class: 'num' }, '80% band'), h('th', { class: 'num' }, hLast ? `+${hLast.horizonMinutes} min` : 'Later'))),
      h('tbody', undefined, ...rows),
    ),
    h1 ? null : h('div', { class: 'empty' }, 'waiting for the first forecasts…'),
  );
}

/** What the simulated street measured at the selected crossing (simulate mode only). */
function renderSimulated(simulation: SimulationSnapshotView | null, sel: Selection): void {
  const panel = byId('sim-panel');
  if (!simulation && !sel.simSeries.length) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  text('sim-network', simulation ? `· ${simulation.network}` : '');
  const body = byId('sim-body');
  if (!sel.simSeries.length) return fill(body, h('div', { class: 'empty' }, 'no simulated measurements for this crossing yet'));
  const now = sel.simSeries[0];
  const city = simulation?.city;
  const rows = sel.simSeries.map((m, i) => {
    const changed = sel.simSeries[i + 1] && sel.simSeries[i + 1].planId !== m.planId;
    return h('tr', { class: changed ? 'plan-change' : '' }, h('td', undefined, fmtClock(m.intervalStart)), h('td', { class: 'num strong' }, m.meanDelaySeconds.toFixed(1)), h('td', { class: 'num' }, m.stopsPerVehicle.toFixed(2)), h('td', { class: 'num' }, m.meanQueue.toFixed(1)), h('td', { class: 'num' }, fmtInt(m.throughput)), h('td', undefined, m.planId, changed ? h('span', { class: 'pill pill-muted' }, ' new plan') : null));
  });
  fill(
    body,
    h('div', { class: 'sim-now', 'data-testid': 'sim-delay' }, 'delay ', h('strong', { id: 'sim-delay-value' }, now.meanDelaySeconds.toFixed(1)), ` s/veh · ${now.stopsPerVehicle.toFixed(2)} stops/veh · queue ${now.meanQueue.toFixed(1)} (max ${fmtInt(now.maxQueue)}) veh · ${fmtInt(now.throughput)} veh · plan `, h('strong', { id: 'sim-plan' }, now.planId)),
    city ? h('div', { class: 'muted small' }, `city: ${city.meanDelaySeconds.toFixed(1)} s/veh, ${fmtInt(city.throughput)} veh per interval`) : null,
    h('table', { class: 'appr-table' }, h('thead', undefined, h('tr', undefined, ...['Interval', '#Delay s/veh', '#Stops/veh', '#Queue', '#Veh', 'Plan'].map((c) => h('th', { class: c.startsWith('#') ? 'num' : '' }, c.replace(/^#/, ''))))), h('tbody', undefined, ...rows)),
  );
}
