import type { AlertAcknowledgementView } from '@crosscast/contracts';
import { fill, h } from '../ui/dom';
import { fmtWallClock } from '../ui/format';
import type { Alert } from '../state/alerts';

const MAX_SHOWN = 200;

/**
 * The alerts list, most severe first, then the acknowledged ones with who acknowledged them
 * and when (shared by every operator). Each row links to its crossing (data-select); an
 * operator can acknowledge an open one (data-ack).
 */
export function renderAlerts(list: HTMLElement, summary: HTMLElement, alerts: Alert[], acknowledged: (key: string) => AlertAcknowledgementView | undefined, canAcknowledge: boolean, pending: ReadonlySet<string>): void {
  const open = alerts.filter((a) => !acknowledged(a.key));
  const acked = alerts.filter((a) => acknowledged(a.key));
  fill(summary, `${open.length} open${acked.length ? ` · ${acked.length} acknowledged` : ''}${open.length > MAX_SHOWN ? ` · first ${MAX_SHOWN} shown` : ''}`);
  if (!alerts.length) {
    fill(list, h('li', { class: 'muted' }, 'no alerts'));
    return;
  }
  const row = (a: Alert, ack: AlertAcknowledgementView | undefined) =>
    h(
      'li',
      { class: `alert alert-${a.kind}${ack ? ' alert-acked' : ''}`, 'data-alert-key': a.key, 'data-alert-kind': a.kind, 'data-crossing-id': a.crossingId, 'data-acknowledged-by': ack?.acknowledgedBy },
      h('span', { class: `alert-kind kind-${a.kind}` }, a.kind),
      h('button', { type: 'button', class: 'link', 'data-select': a.crossingId, title: 'open the crossing' }, a.crossingId),
      h('span', { class: 'alert-text' }, a.text),
      ack
        ? h('span', { class: 'ack-by', title: ack.note ?? '' }, `✓ acknowledged by ${ack.acknowledgedBy} at ${fmtWallClock(new Date(ack.acknowledgedAt))}`)
        : canAcknowledge
          ? h('button', { type: 'button', class: 'btn btn-small ack', 'data-ack': a.key, disabled: pending.has(a.key) }, pending.has(a.key) ? 'Acknowledging…' : 'Acknowledge')
          : null,
    );
  const rows = [...open.slice(0, MAX_SHOWN).map((a) => row(a, undefined))];
  if (!open.length) rows.push(h('li', { class: 'muted' }, 'all alerts acknowledged'));
  rows.push(...acked.slice(0, Math.max(0, MAX_SHOWN - rows.length)).map((a) => row(a, acknowledged(a.key))));
  fill(list, ...rows);
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
