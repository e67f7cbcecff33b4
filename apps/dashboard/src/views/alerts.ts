import { fill, h } from '../ui/dom';
import type { Alert } from '../state/alerts';

const MAX_SHOWN = 200;

/**
 * The alerts list, most severe first. Each row links to its crossing (data-select) and can
 * be acknowledged; acknowledged ones are counted, not listed.
 */
export function renderAlerts(list: HTMLElement, summary: HTMLElement, alerts: Alert[], isAcknowledged: (key: string) => boolean): void {
  const open = alerts.filter((a) => !isAcknowledged(a.key));
  const acknowledged = alerts.length - open.length;
  fill(summary, `${open.length} open${acknowledged ? ` · ${acknowledged} acknowledged` : ''}${open.length > MAX_SHOWN ? ` · first ${MAX_SHOWN} shown` : ''}`);
  if (!open.length) {
    fill(list, h('li', { class: 'muted' }, alerts.length ? 'all alerts acknowledged' : 'no alerts'));
    return;
  }
  fill(
    list,
    ...open.slice(0, MAX_SHOWN).map((a) =>
      h(
        'li',
        { class: `alert alert-${a.kind}`, 'data-alert-key': a.key, 'data-alert-kind': a.kind, 'data-crossing-id': a.crossingId },
        h('span', { class: `alert-kind kind-${a.kind}` }, a.kind),
        h('button', { type: 'button', class: 'link', 'data-select': a.crossingId, title: 'open the crossing' }, a.crossingId),
        h('span', { class: 'alert-text' }, a.text),
        h('button', { type: 'button', class: 'btn btn-small ack', 'data-ack': a.key }, 'Acknowledge'),
      ),
    ),
  );
}

/** The line under the header: crossings whose worker stopped (stale) or went silent (offline). */
export function renderStaleAlert(box: HTMLElement, down: Array<{ id: string; freshness: 'stale' | 'offline' }>, withEstimate: number): void {
  if (!down.length) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const stale = down.filter((d) => d.freshness === 'stale').length;
  const what = stale === down.length ? 'stale' : stale === 0 ? 'offline' : 'stale or offline';
  const chips: Array<Node | string> = [];
  for (const d of down.slice(0, 8)) {
    chips.push(h('button', { type: 'button', class: `chip ${d.freshness}`, 'data-select': d.id, 'data-alert-crossing': d.id }, d.id), ' ');
  }
  box.hidden = false;
  fill(
    box,
    h('strong', undefined, `${down.length} crossing${down.length === 1 ? '' : 's'} ${what}:`),
    ' ',
    ...chips,
    down.length > 8 ? '… ' : '',
    `— ${withEstimate === down.length ? 'estimates shown' : withEstimate ? `estimates shown for ${withEstimate} of them` : 'no estimate yet'} (from their historical profile and their neighbours).`,
  );
}
