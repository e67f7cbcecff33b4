/**
 * Any plan as a SUMO static traffic-light program, so an engineer can load it as an
 * additional file and test it in SUMO:
 *
 *   <additional>
 *     <tlLogic id="J1" type="static" programID="crosscast" offset="0">
 *       <phase duration="31" state="GGrrGGrr" name="north-south"/>
 *       <phase duration="3" state="yyrryyrr" name="north-south amber"/>
 *       <phase duration="1" state="rrrrrrrr" name="north-south all-red"/>
 *       ...
 *
 * Signal-index mapping (the caller's job): SUMO gives every connection (incoming lane ->
 * outgoing lane) controlled by the traffic light one index, numbered 0, 1, 2, ... in the
 * order netconvert wrote them (the `linkIndex` of the connections in the .net.xml). The
 * caller says which indices get green in each phase (`signalIndicesByPhase`, by phase
 * name) and, optionally, which of those yield to conflicting traffic (a permissive left
 * turn: lower-case 'g'). Every index not green in a phase is red. An index green in two
 * consecutive phases stays green through the amber and all-red between them.
 * Durations are the plan's displayed greens, ambers and all-reds; they add up to the cycle.
 */
import { SignalPlan } from './webster';

export interface SumoExportOptions {
  tlsId: string;
  programId?: string;
  /** Signal indices (SUMO link indices) that get green in each phase, by phase name. */
  signalIndicesByPhase: Record<string, number[]>;
  /** Of those, indices that must yield (permissive, 'g' instead of 'G'). */
  permissiveIndicesByPhase?: Record<string, number[]>;
  /** Number of signal indices of the traffic light; default: highest mapped index + 1. */
  signalCount?: number;
  /** Used when a phase of the plan gives no amber / all-red (seconds). */
  defaultAmberSeconds?: number;
  defaultAllRedSeconds?: number;
}

export interface SumoPhase {
  duration: number;
  state: string;
  name: string;
}

/** The tlLogic phases (green, amber, all-red per plan phase); zero-length steps are left out. */
export function toSumoPhases(plan: SignalPlan, options: SumoExportOptions): SumoPhase[] {
  const count = options.signalCount ?? Math.max(-1, ...Object.values(options.signalIndicesByPhase).flat()) + 1;
  if (count <= 0) throw new Error('the signal-index mapping names no index');
  const indicesOf = (name: string): number[] => {
    const indices = options.signalIndicesByPhase[name];
    if (!indices) throw new Error(`no signal indices given for phase ${name}`);
    for (const i of indices) if (!Number.isInteger(i) || i < 0 || i >= count) throw new Error(`phase ${name}: signal index ${i} outside 0..${count - 1}`);
    return indices;
  };
  const state = (fill: (index: number) => string) => Array.from({ length: count }, (_, i) => fill(i)).join('');

  const steps: SumoPhase[] = [];
  plan.phases.forEach((phase, k) => {
    const green = new Set(indicesOf(phase.name));
    const permissive = new Set(options.permissiveIndicesByPhase?.[phase.name] ?? []);
    const next = new Set(indicesOf(plan.phases[(k + 1) % plan.phases.length].name));
    const displayedGreen = phase.displayedGreenSeconds ?? phase.greenSeconds;
    const amber = phase.amberSeconds ?? options.defaultAmberSeconds ?? 3;
    const allRed = phase.allRedSeconds ?? options.defaultAllRedSeconds ?? 1;
    const greenLetter = (i: number) => (permissive.has(i) ? 'g' : 'G');
    // Indices that carry on into the next phase keep their green through the change.
    const carryOn = (i: number) => green.has(i) && next.has(i) && plan.phases.length > 1;
    steps.push({ duration: displayedGreen, state: state((i) => (green.has(i) ? greenLetter(i) : 'r')), name: phase.name });
    steps.push({ duration: amber, state: state((i) => (carryOn(i) ? greenLetter(i) : green.has(i) ? 'y' : 'r')), name: `${phase.name} amber` });
    steps.push({ duration: allRed, state: state((i) => (carryOn(i) ? greenLetter(i) : 'r')), name: `${phase.name} all-red` });
  });
  const total = steps.reduce((sum, s) => sum + s.duration, 0);
  if (Math.abs(total - plan.cycleSeconds) > 1e-6) {
    throw new Error(`greens, ambers and all-reds add up to ${total} s, not the ${plan.cycleSeconds} s cycle: give each phase its displayedGreenSeconds, amberSeconds and allRedSeconds`);
  }
  return steps.filter((s) => s.duration > 0);
}

/** `<tlLogic>` element of a plan (no `<additional>` wrapper). */
export function toSumoTlLogicElement(plan: SignalPlan, options: SumoExportOptions): string {
  const phases = toSumoPhases(plan, options);
  const offset = plan.offsetSeconds ?? 0;
  const lines = [
    `    <tlLogic id="${escapeXmlAttribute(options.tlsId)}" type="static" programID="${escapeXmlAttribute(options.programId ?? 'crosscast')}" offset="${formatSeconds(offset)}">`,
    ...phases.map((p) => `        <phase duration="${formatSeconds(p.duration)}" state="${p.state}" name="${escapeXmlAttribute(p.name)}"/>`),
    '    </tlLogic>',
  ];
  return lines.join('\n');
}

/** A complete SUMO additional file holding the plan's program. */
export function toSumoTlLogic(plan: SignalPlan, options: SumoExportOptions): string {
  return toSumoAdditional([{ plan, options }]);
}

/** One additional file with several programs (a coordinated corridor, for example). */
export function toSumoAdditional(programs: Array<{ plan: SignalPlan; options: SumoExportOptions }>): string {
  return ['<?xml version="1.0" encoding="UTF-8"?>', '<additional>', ...programs.map((p) => toSumoTlLogicElement(p.plan, p.options)), '</additional>', ''].join('\n');
}

export function escapeXmlAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Whole seconds as integers, fractions to the millisecond (SUMO reads both). */
function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`a duration must be a non-negative number of seconds, got ${seconds}`);
  return Number.isInteger(seconds) ? String(seconds) : String(Math.round(seconds * 1000) / 1000);
}
