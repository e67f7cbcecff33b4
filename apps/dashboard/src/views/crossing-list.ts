import type { CrossingFreshness } from '@crosscast/contracts';
import type { MapCrossing } from '../state/city-map';
import { fill, h } from '../ui/dom';
import { fmtInt } from '../ui/format';

export interface ListRow {
  c: MapCrossing;
  freshness: CrossingFreshness;
  estimated: boolean;
  flow: number | null;
}

const MAX_ROWS = 100;

/**
 * Search results under the map: the matching crossings (first 100), each a button that opens
 * it. Keyboard and screen-reader access to what the canvas map draws.
 */
export function renderCrossingList(list: HTMLElement, count: HTMLElement, rows: ListRow[], total: number, selectedId: string | null): void {
  fill(count, `${rows.length} of ${total} crossings${rows.length > MAX_ROWS ? ` · first ${MAX_ROWS} listed` : ''}`);
  fill(
    list,
    ...rows.slice(0, MAX_ROWS).map((r) =>
      h(
        'li',
        { class: `crossing-row ${r.freshness}${r.estimated ? ' estimated' : ''}${r.c.id === selectedId ? ' selected' : ''}`, 'data-crossing-id': r.c.id, 'data-freshness': r.freshness, 'data-source': r.estimated ? 'estimated' : 'worker' },
        h(
          'button',
          { type: 'button', 'data-select': r.c.id, 'data-zoom': '1', title: `${r.c.name} (${r.c.id}) · ${r.freshness}${r.estimated ? ' · estimated from neighbours and profile' : ''}` },
          h('span', { class: `shape shape-${r.freshness}`, 'aria-hidden': 'true' }),
          h('strong', undefined, r.c.id),
          ` ${r.c.name} `,
          h('span', { class: 'muted' }, `${r.freshness}${r.estimated ? ' · E' : ''} · ${r.flow == null ? '–' : fmtInt(r.flow)}`),
        ),
      ),
    ),
  );
}
