import type { CityOverviewView } from '@crosscast/contracts';
import { fill, h } from '../ui/dom';
import { fmtClock, fmtInt } from '../ui/format';

/** The city forecast panel: the next horizons' totals with their own bands, and per corridor. */
export function renderCity(body: HTMLElement, included: HTMLElement, city: CityOverviewView | null): void {
  const horizons = city ? [...city.horizons].sort((a, b) => a.stepsAhead - b.stepsAhead).slice(0, 4) : [];
  if (!city || !city.asOfIntervalStart || !horizons.length) {
    fill(body, h('div', { class: 'empty' }, 'waiting for the first forecasts…'));
    fill(included, city ? `${city.crossingsFresh} of ${city.crossingsTotal} crossings fresh` : '');
    return;
  }
  const estimated = city.crossingsEstimated ?? 0;
  fill(
    included,
    `${city.crossingsFresh} of ${city.crossingsTotal} crossings fresh · `,
    h('span', { id: 'city-estimated', 'data-testid': 'city-estimated', class: estimated ? 'est' : '' }, `${estimated} estimated`),
    ` · as of ${fmtClock(city.asOfIntervalStart)}`,
  );
  const maxHi = Math.max(...horizons.map((x) => x.upper80)) || 1;
  const rows = horizons.map((x) => {
    const lo = (x.lower80 / maxHi) * 100;
    const hi = (x.upper80 / maxHi) * 100;
    const mid = (x.total / maxHi) * 100;
    const band = h('span', { class: 'band' });
    band.style.left = `${lo.toFixed(1)}%`;
    band.style.width = `${Math.max(0.5, hi - lo).toFixed(1)}%`;
    const mean = h('span', { class: 'mean' });
    mean.style.left = `${mid.toFixed(1)}%`;
    return h(
      'tr',
      undefined,
      h('td', { class: 'h' }, `+${x.horizonMinutes} min`),
      h('td', { class: 'muted' }, fmtClock(x.intervalStart)),
      h('td', { class: 'num big' }, fmtInt(x.total)),
      h('td', { class: 'num muted', title: `95% ${fmtInt(x.lower95)}–${fmtInt(x.upper95)}` }, `${fmtInt(x.lower80)}–${fmtInt(x.upper80)}`),
      h('td', { class: 'bandcell' }, h('div', { class: 'bandbar' }, band, mean)),
      h('td', { class: 'num' }, `${x.crossingsIncluded}/${city.crossingsTotal}`),
      h('td', { class: `num${x.crossingsEstimated ? ' est' : ''}` }, String(x.crossingsEstimated ?? 0)),
    );
  });
  const head = (...cells: string[]) => h('thead', undefined, h('tr', undefined, ...cells.map((c) => h('th', { class: c.startsWith('#') ? 'num' : '' }, c.replace(/^#/, '')))));
  const corridors = city.corridors.map((c) => {
      const x = c.next;
      return h('tr', undefined, h('td', undefined, c.road), h('td', { class: 'num' }, `${x.crossingsIncluded}/${c.crossingsCount}`), h('td', { class: `num${x.crossingsEstimated ? ' est' : ''}` }, String(x.crossingsEstimated)), h('td', { class: 'num strong' }, fmtInt(x.total)), h('td', { class: 'num muted' }, `${fmtInt(x.lower80)}–${fmtInt(x.upper80)}`));
    });
  fill(
    body,
    h('table', { class: 'city-table', 'data-testid': 'city-table' }, head('Horizon', 'Interval', '#Vehicles', '#80% band', '', '#Incl.', '#Est.'), h('tbody', undefined, ...rows)),
    h(
      'p',
      { class: 'note muted' },
      `City fusion, vehicles per ${city.intervalMinutes} min: each crossing’s worker forecast fused with the city’s profile and its neighbours; crossings whose worker is stale, offline or degraded are estimated from their historical profile and their neighbours (wider bands). Bands are computed on the total’s own errors${city.crossingsWithoutDataCount ? `; ${city.crossingsWithoutDataCount} crossings without any data are left out` : ''}.`,
    ),
    corridors.length ? h('details', { class: 'corridors' }, h('summary', undefined, `Corridors, next interval (${corridors.length} roads)`), h('table', { class: 'city-table' }, head('Road', '#Incl.', '#Est.', '#Vehicles', '#80% band'), h('tbody', undefined, ...corridors))) : null,
  );
}
