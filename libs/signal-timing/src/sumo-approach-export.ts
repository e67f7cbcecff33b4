/**
 * A stored plan (cycle, phases with the approaches they serve and their green) as a SUMO
 * program when all the caller knows is the crossing's approaches, not SUMO's connection
 * order: one signal index per approach, in the order given (the crossing's approach order
 * in crossings.json). An engineer whose SUMO network has several connections per approach
 * repeats or remaps the columns of `state`; the XML says which column is which approach.
 */
import { SignalPlan } from './webster';
import { escapeXmlAttribute, toSumoTlLogicElement } from './sumo-export';

export interface ApproachPlan {
  cycleSeconds: number;
  offsetSeconds?: number;
  phases: Array<{ name: string; approaches: string[]; greenSeconds: number; displayedGreenSeconds?: number; amberSeconds?: number; allRedSeconds?: number }>;
}

/** Default clearance when a stored phase does not say: amber up to 3 s, the rest all-red. */
const DEFAULT_AMBER_SECONDS = 3;

/**
 * Fills in displayed green, amber and all-red so the steps add up to the cycle: a phase
 * that gives them keeps them; otherwise the cycle time not given to greens is shared out
 * evenly as the phases' clearance (amber first, up to 3 s, then all-red).
 */
export function completeClearances(plan: ApproachPlan): SignalPlan {
  const explicit = plan.phases.every((p) => p.displayedGreenSeconds !== undefined && p.amberSeconds !== undefined && p.allRedSeconds !== undefined);
  if (explicit) return { cycleSeconds: plan.cycleSeconds, offsetSeconds: plan.offsetSeconds, phases: plan.phases };
  const greens = plan.phases.reduce((sum, p) => sum + p.greenSeconds, 0);
  const clearance = (plan.cycleSeconds - greens) / plan.phases.length;
  if (clearance < 0) throw new Error(`the greens (${greens} s) exceed the ${plan.cycleSeconds} s cycle`);
  const amber = Math.min(DEFAULT_AMBER_SECONDS, clearance);
  return {
    cycleSeconds: plan.cycleSeconds,
    offsetSeconds: plan.offsetSeconds,
    phases: plan.phases.map((p) => ({ name: p.name, greenSeconds: p.greenSeconds, displayedGreenSeconds: p.greenSeconds, amberSeconds: amber, allRedSeconds: clearance - amber })),
  };
}

/** A complete SUMO additional file for one crossing's plan, one signal index per approach. */
export function toSumoProgramByApproach(plan: ApproachPlan, options: { tlsId: string; programId?: string; approachIds: string[] }): string {
  const index = new Map(options.approachIds.map((id, i) => [id, i]));
  const signalIndicesByPhase: Record<string, number[]> = {};
  for (const phase of plan.phases) {
    signalIndicesByPhase[phase.name] = phase.approaches.map((a) => {
      const i = index.get(a);
      if (i === undefined) throw new Error(`phase ${phase.name} serves ${a}, which is not one of the crossing's approaches`);
      return i;
    });
  }
  const columns = options.approachIds.map((id, i) => `${i}=${id}`).join(', ');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<!-- Crosscast plan for ${escapeXmlAttribute(options.tlsId)}: one state column per approach (${escapeXmlAttribute(columns)}); remap to your network's link indices if it has several connections per approach. -->`,
    '<additional>',
    toSumoTlLogicElement(completeClearances(plan), { tlsId: options.tlsId, programId: options.programId, signalIndicesByPhase, signalCount: options.approachIds.length }),
    '</additional>',
    '',
  ].join('\n');
}
