import type { CrossingDefinition, DecisionView, PlanSummaryView, RecommendationView } from '@crosscast/contracts';
import type { Selection } from '../state/store';
import { byId, fill, h } from '../ui/dom';
import { fmtClock, fmtDataTimeShort, fmtFixed, fmtInt, fmtPct, fmtWallClock } from '../ui/format';

const PALETTE = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
const BASIS_TEXT: Record<string, string> = { centre: 'the centre forecast', upper: 'the upper 80% bound' };
const COMPARED_TEXT: Record<string, string> = { 'running-plan': 'the running plan', 'base-plan': "the crossing's own program (the city folder's base plan)", 'observed-webster': 'the base plan (Webster on the last hour observed)', default: 'the default plan (60 s, equal greens)' };

export interface RecommendationAccess {
  operator: boolean;
  admin: boolean;
}

/** The recommendation panel: plan, why, automatic mode, the operator's decision and the audit trail. */
export function renderRecommendationPanel(crossing: CrossingDefinition | undefined, sel: Selection, access: RecommendationAccess): void {
  const rec = sel.recommendation;
  renderPlan(crossing, rec, sel);
  renderExplanation(rec, sel);
  renderAutomatic(sel, access);
  renderDecision(rec, sel, access);
}

function renderPlan(crossing: CrossingDefinition | undefined, rec: RecommendationView | null, sel: Selection): void {
  const body = byId('rec-body');
  if (!rec) return fill(body, h('div', { class: 'empty' }, sel.loading ? 'loading…' : 'no recommendation yet'));
  const segs = rec.phases.map((p, i) => {
    const seg = h('span', { class: `seg ${PALETTE[i % PALETTE.length]}`, title: `${p.name}: ${fmtFixed(p.greenSeconds, 0)} s green` }, p.name);
    seg.style.flex = Math.max(0, p.greenSeconds).toFixed(2);
    return seg;
  });
  if (rec.lostTimeSeconds > 0) {
    const lost = h('span', { class: 'seg lost', title: `lost time ${fmtFixed(rec.lostTimeSeconds, 0)} s` });
    lost.style.flex = rec.lostTimeSeconds.toFixed(2);
    segs.push(lost);
  }
  const rows = rec.phases.map((p, i) => {
    const roads: string[] = [];
    const chips = p.approaches.map((a) => {
      const info = crossing?.approaches.find((x) => x.id === a);
      if (info && !roads.includes(info.road)) roads.push(info.road);
      return h('span', { class: 'appr', title: info ? `${info.location} (${a})` : a }, info ? info.direction : a);
    });
    return h(
      'tr',
      undefined,
      h('td', undefined, h('span', { class: `swatch ${PALETTE[i % PALETTE.length]}` }), p.name),
      h('td', undefined, ...chips, roads.length ? ' ' : '', roads.length ? h('span', { class: 'muted small' }, roads.join(', ')) : null),
      h('td', { class: 'num' }, fmtInt(p.flowVehPerHour)),
      h('td', { class: 'num' }, fmtFixed(p.flowRatio, 2)),
      h('td', { class: 'num strong' }, fmtFixed(p.greenSeconds, 0)),
    );
  });
  const history = sel.recHistory.slice(1, 7).map((r) => h('span', undefined, `${fmtClock(r.basedOnIntervalStart)} `, h('strong', undefined, `${fmtInt(r.cycleSeconds)} s`)));
  fill(
    body,
    h(
      'div',
      { class: 'rec-summary' },
      h('div', undefined, h('span', { class: 'label' }, 'Cycle'), h('span', { id: 'rec-cycle', class: 'rec-big' }, fmtInt(rec.cycleSeconds)), ' s'),
      h('div', undefined, h('span', { class: 'label' }, 'Lost time'), `${fmtInt(rec.lostTimeSeconds)} s`),
      h('div', undefined, h('span', { class: 'label' }, 'Σ flow ratio'), fmtFixed(rec.flowRatioSum, 2)),
      h('div', undefined, h('span', { class: 'label' }, 'Method'), h('span', { id: 'rec-method' }, rec.method)),
      h('div', { id: 'rec-saturation', class: `sat ${rec.oversaturated ? 'over' : 'ok'}` }, rec.oversaturated ? 'OVERSATURATED' : 'under capacity'),
    ),
    h('div', { class: 'cycle-bar', 'aria-label': 'Cycle split' }, ...segs),
    h('table', { class: 'rec-table' }, h('thead', undefined, h('tr', undefined, h('th', undefined, 'Phase'), h('th', undefined, 'Approaches'), h('th', { class: 'num' }, 'Flow veh/h'), h('th', { class: 'num' }, 'y'), h('th', { class: 'num' }, 'Green s'))), h('tbody', undefined, ...rows)),
    h('p', { class: 'note muted' }, `Based on ${fmtDataTimeShort(rec.basedOnIntervalStart)}${history.length ? ' · earlier: ' : ''}`),
    history.length ? h('div', { class: 'rec-history' }, ...history) : null,
  );
}

function renderExplanation(rec: RecommendationView | null, sel: Selection): void {
  const box = byId('rec-explain');
  const ev = sel.lastEvaluation;
  if (!rec || !rec.reason) {
    if (ev && ev.reason.startsWith('advised with its group:')) {
      // One advice per crossing: its group's (the corridor panel holds it when one is pending).
      fill(box, h('div', { class: 'muted', 'data-testid': 'group-advised' }, `Advised with its group for the period from ${fmtClock(ev.planningPeriodStart)}: see the corridor plan when one is pending.`), h('div', { class: 'muted small' }, ev.reason));
    } else if (ev && ev.outcome === 'not-needed') {
      fill(
        box,
        h('div', { class: 'muted' }, `No change needed for the period from ${fmtClock(ev.planningPeriodStart)}: expected gain ${fmtFixed(ev.gainSeconds, 1)} s/veh${sel.hysteresis ? ` (needs ${fmtFixed(sel.hysteresis.minGainSeconds, 1)} s and ${fmtPct(sel.hysteresis.minGainShare)})` : ''}.`),
        h('div', { class: 'muted small' }, ev.reason),
      );
    } else box.replaceChildren();
    return;
  }
  fill(
    box,
    h('div', undefined, h('span', { class: `tag ${rec.status}`, 'data-testid': 'recommendation-status' }, rec.status), rec.congested ? h('span', { class: 'tag congested', 'data-testid': 'recommendation-congested' }, 'congested') : null, h('span', { class: 'reason', 'data-testid': 'recommendation-reason' }, rec.reason)),
    rec.expectedDelayRunningSeconds == null
      ? null
      : h('div', { class: 'delay', 'data-testid': 'recommendation-delay' }, 'Expected delay ', h('strong', undefined, `${fmtFixed(rec.expectedDelayRunningSeconds, 1)} s → ${fmtFixed(rec.expectedDelayRecommendedSeconds, 1)} s`), ` per vehicle (gain ${fmtFixed(rec.gainSeconds, 1)} s, ${fmtPct(rec.gainShare)}) against ${COMPARED_TEXT[rec.comparedWith?.source ?? ''] ?? 'the running plan'}`),
    rec.basis ? h('div', { class: 'muted small', 'data-testid': 'recommendation-basis' }, `Planned for ${BASIS_TEXT[rec.basis] ?? rec.basis} · period from ${fmtClock(rec.planningPeriodStart)}${rec.validUntil ? ` until ${fmtClock(rec.validUntil)}` : ''}`) : null,
    rec.automatic ? h('div', { class: `auto-note ${rec.automatic.action}`, 'data-testid': 'recommendation-automatic' }, rec.automatic.note) : null,
  );
}

function renderAutomatic(sel: Selection, access: RecommendationAccess): void {
  const on = !!sel.automatic?.enabled;
  byId('automatic-badge').hidden = !on;
  const toggle = byId<HTMLButtonElement>('automatic-toggle');
  // Admins switch it both ways; operators can only switch it off (the safe direction).
  toggle.hidden = !(access.admin || (on && access.operator)) || !sel.automatic;
  toggle.textContent = on ? 'Turn automatic off' : 'Turn automatic on';
  toggle.disabled = sel.togglingAutomatic;
}

export function describePlan(plan: Pick<PlanSummaryView, 'cycleSeconds' | 'phases'> | null): string {
  return plan ? `${fmtInt(plan.cycleSeconds)} s (${plan.phases.map((p) => `${p.name} ${fmtFixed(p.greenSeconds, 0)}`).join(' / ')})` : 'none';
}

export function describeDecision(d: DecisionView): string {
  const when = fmtWallClock(new Date(d.decidedAt));
  if (d.decision === 'accepted') return `Accepted #${d.recommendationId} by ${d.decidedBy} at ${when}: cycle ${describePlan(d.plan)}${d.publishedAt ? ', sent for the next cycle boundary.' : ', not sent yet (retrying).'}`;
  return `Rejected #${d.recommendationId} by ${d.decidedBy} at ${when}${d.reason ? `: ${d.reason}` : '.'}`;
}

/** Static controls (not rebuilt on each render, so a half-typed reason survives live updates). */
function renderDecision(rec: RecommendationView | null, sel: Selection, access: RecommendationAccess): void {
  const box = byId('decision-box');
  if (!access.operator) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const decided = rec ? sel.decisions.get(rec.id) : undefined;
  const notPending = rec && rec.status !== 'pending';
  byId('decision-target').textContent = rec
    ? `Recommendation #${rec.id} · based on ${fmtDataTimeShort(rec.basedOnIntervalStart)} · cycle ${fmtInt(rec.cycleSeconds)} s${decided ? ` · already ${decided.decision}` : notPending ? ` · ${rec.status}` : ''}`
    : 'no recommendation to decide yet';
  for (const id of ['accept-rec', 'reject-rec']) {
    const button = byId<HTMLButtonElement>(id);
    button.dataset.recId = rec?.id ?? '';
    button.disabled = !rec || !!decided || !!notPending || sel.deciding;
  }
  const result = byId('decision-result');
  result.className = `decision-result${sel.lastResult ? ` ${sel.lastResult.kind}` : ''}`;
  result.textContent = sel.lastResult?.text ?? '';
  const audit = byId('audit-list');
  if (!sel.audit.length) return fill(audit, h('li', { class: 'muted' }, 'no decisions yet'));
  fill(
    audit,
    ...sel.audit.map((d) =>
      h('li', { class: d.decision, 'data-recommendation-id': d.recommendationId }, `${fmtWallClock(new Date(d.decidedAt))} · `, h('strong', undefined, d.decidedBy), ` ${d.decision} #${d.recommendationId} · ${describePlan(d.plan)} · before: ${describePlan(d.previousPlan)}${d.reason ? ` · “${d.reason}”` : ''}`),
    ),
  );
}
