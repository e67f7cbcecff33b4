import type { CorridorRecommendationView } from '@crosscast/contracts';
import { byId, fill, h } from '../ui/dom';
import { fmtClock, fmtFixed, fmtInt, fmtPct } from '../ui/format';

const SOURCE_TEXT: Record<string, string> = { fused: 'fused', estimate: 'estimate', 'worker-forecast': 'worker forecast' };

/**
 * The corridor panel of the selected crossing: the pending group advice that includes it
 * (common cycle, each coordinated crossing's offset and splits, each free crossing's
 * actuated limits, through bands, expected delay), with
 * "show on map" and, for operators, one decision for the whole corridor. Hidden when the
 * crossing is in no pending corridor plan.
 */
export function renderCorridorPanel(rec: CorridorRecommendationView | null, nameOf: (id: string) => string, operator: boolean, deciding: boolean): void {
  const panel = byId('corridor-panel');
  panel.hidden = !rec;
  const box = byId('corridor-decision');
  box.hidden = !rec || !operator;
  if (!rec) return;
  byId('accept-corridor').dataset.corridorId = rec.id;
  byId<HTMLButtonElement>('accept-corridor').disabled = deciding;
  byId<HTMLButtonElement>('reject-corridor').disabled = deciding;
  byId('show-corridor').dataset.crossings = rec.crossingIds.join(',');
  byId('show-corridor').dataset.corridor = rec.corridor;
  const rows = rec.crossings.map((part) =>
    h(
      'tr',
      { 'data-crossing': part.crossingId },
      h('td', undefined, h('button', { type: 'button', class: 'link', 'data-select': part.crossingId, title: nameOf(part.crossingId) }, part.crossingId)),
      h('td', { class: 'num', 'data-testid': 'corridor-offset' }, fmtInt(part.plan.coordination.offsetSeconds)),
      h('td', undefined, part.plan.phases.map((p, i) => `${p.name} ${fmtInt(part.plan.coordination.splitSeconds[i])}`).join(' / ')),
      h('td', { class: 'num' }, part.linkToNextMetres === null ? '—' : fmtInt(part.linkToNextMetres)),
      h('td', { class: 'num' }, `${fmtFixed(part.expectedDelayRunningSeconds, 1)} → ${fmtFixed(part.expectedDelayPlanSeconds, 1)}`),
      h('td', { class: 'muted small' }, SOURCE_TEXT[part.inputSource] ?? part.inputSource),
    ),
  );
  // Crossings advised to run free (actuated, no common cycle): their gap and green limits instead of an offset and splits.
  const freeRows = rec.freeCrossings.map((part) =>
    h(
      'tr',
      { 'data-crossing': part.crossingId, 'data-testid': 'corridor-free' },
      h('td', undefined, h('button', { type: 'button', class: 'link', 'data-select': part.crossingId, title: nameOf(part.crossingId) }, part.crossingId)),
      h('td', { class: 'num' }, 'free'),
      h('td', undefined, `actuated: green ${fmtInt(part.plan.actuated.minGreenSeconds)}–${fmtInt(part.plan.actuated.maxGreenSeconds)} s, gap ${fmtFixed(part.plan.actuated.passageSeconds, 1)} s`),
      h('td', { class: 'num' }, '—'),
      h('td', { class: 'num' }, `${fmtFixed(part.expectedDelayRunningSeconds, 1)} → ${fmtFixed(part.expectedDelayPlanSeconds, 1)}`),
      h('td', { class: 'muted small' }, SOURCE_TEXT[part.inputSource] ?? part.inputSource),
    ),
  );
  fill(
    byId('corridor-body'),
    h('div', { class: 'rec-summary' },
      h('div', undefined, h('span', { class: 'label' }, 'Corridor'), h('strong', { 'data-testid': 'corridor-name' }, rec.corridor)),
      h('div', undefined, h('span', { class: 'label' }, 'Common cycle'), h('span', { class: 'rec-big', 'data-testid': 'corridor-cycle' }, fmtInt(rec.cycleSeconds)), ' s'),
      h('div', undefined, h('span', { class: 'label' }, 'Through band'), `${fmtInt(rec.bandwidthSeconds.outbound)} s out · ${fmtInt(rec.bandwidthSeconds.inbound)} s in`),
    ),
    h('div', { class: 'delay', 'data-testid': 'corridor-gain' }, 'Expected delay ', h('strong', undefined, `${fmtFixed(rec.expectedDelayRunningSeconds, 1)} s → ${fmtFixed(rec.expectedDelayPlanSeconds, 1)} s`), ` per vehicle (gain ${fmtFixed(rec.gainSeconds, 1)} s, ${fmtPct(rec.gainShare)}) over ${rec.crossingIds.length} crossings`),
    h('table', { class: 'rec-table' },
      h('thead', undefined, h('tr', undefined, h('th', undefined, 'Crossing'), h('th', { class: 'num' }, 'Offset s'), h('th', undefined, 'Splits s'), h('th', { class: 'num' }, 'To next m'), h('th', { class: 'num' }, 'Delay s/veh'), h('th', undefined, 'From'))),
      h('tbody', undefined, ...rows, ...freeRows),
    ),
    h('p', { class: 'muted small', 'data-testid': 'corridor-reason' }, `${rec.reason} Period from ${fmtClock(rec.planningPeriodStart)} until ${fmtClock(rec.validUntil)}.`),
  );
}
