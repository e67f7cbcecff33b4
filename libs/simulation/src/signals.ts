/**
 * Signal controllers. Each controller owns one crossing's phases and, at the start of every
 * step, writes each phase's effective-green window [start, end) (absolute seconds) into the
 * engine's shared arrays: vehicles of a movement may cross the stop line only inside a window
 * of one of its phases.
 *
 * Effective green vs displayed green: the first vehicles of a queue react and accelerate,
 * so discharge starts startupLostSeconds after the green is shown; drivers keep going into
 * the first amberUsedSeconds of the amber. Effective green = green − startup lost + amber
 * used; lost time per phase = startup lost + (amber + all-red − amber used).
 */
import { ActuatedSettings, FixedTimePlan, SignalControl, cycleSeconds } from './network';

export type SignalStage = 'green' | 'amber' | 'allRed';

export interface SignalState {
  control: SignalControl['kind'];
  phaseIndex: number;
  stage: SignalStage;
  /** When the current stage started, simulation seconds. */
  stageStartSeconds: number;
  /** Start of the running cycle (fixed time) or of the running phase sequence (actuated). */
  cycleStartSeconds: number;
  /** The plan in force (fixed time only). */
  plan: FixedTimePlan | null;
  /** A control waiting for the next cycle boundary. */
  pending: boolean;
}

/** What a controller reads from, and writes to, the engine. */
export interface SignalContext {
  readonly effStart: Float64Array;
  readonly effEnd: Float64Array;
  readonly startupLostSeconds: number;
  readonly amberUsedSeconds: number;
  /** A vehicle waits at, or approaches within the detector lead of, one of the phase's stop lines. */
  phaseHasDemand(globalPhase: number, t: number, leadSeconds: number): boolean;
  /** The phase's detectors were crossed within gapSeconds, or a queue stands on them. */
  phaseHasCall(globalPhase: number, t: number, gapSeconds: number, leadSeconds: number): boolean;
}

interface Stage { phase: number; stage: SignalStage; from: number; to: number }

/**
 * Runs whichever control the crossing has, and swaps in a requested one at the next cycle
 * boundary (fixed time: the end of the cycle; actuated: when the phase sequence wraps).
 */
export class CrossingController {
  private control: SignalControl;
  private pending: SignalControl | null = null;
  // fixed time
  private cycleStart = 0;
  private cycleEnd = 0;
  private stages: Stage[] = [];
  // actuated
  private phase = 0;
  private stage: SignalStage = 'green';
  private stageStart = 0;

  constructor(
    private readonly ctx: SignalContext,
    private readonly firstPhase: number,
    private readonly phaseCount: number,
    control: SignalControl,
    startSeconds: number,
  ) {
    this.control = control;
    for (let p = 0; p < phaseCount; p++) this.close(p);
    if (control.kind === 'fixed') {
      const c = cycleSeconds(control.plan);
      let first = mod(control.plan.offsetSeconds - startSeconds, c) + startSeconds;
      if (first > startSeconds) first -= c;
      this.startFixedCycle(first, false);
    } else {
      this.startActuated(startSeconds);
    }
  }

  request(control: SignalControl): void {
    this.pending = control;
  }

  update(t: number): void {
    if (this.control.kind === 'fixed') {
      while (t >= this.cycleEnd) this.startFixedCycle(this.cycleEnd, true);
    } else {
      this.updateActuated(t, this.control.settings);
    }
  }

  state(t: number): SignalState {
    const plan = this.control.kind === 'fixed' ? this.control.plan : null;
    if (this.control.kind === 'fixed') {
      const s = this.stages.find((x) => t >= x.from && t < x.to) ?? this.stages[this.stages.length - 1];
      return { control: 'fixed', phaseIndex: s.phase, stage: s.stage, stageStartSeconds: s.from, cycleStartSeconds: this.cycleStart, plan, pending: this.pending !== null };
    }
    return { control: 'actuated', phaseIndex: this.phase, stage: this.stage, stageStartSeconds: this.stageStart, cycleStartSeconds: this.cycleStart, plan, pending: this.pending !== null };
  }

  private close(p: number): void {
    this.ctx.effStart[this.firstPhase + p] = Infinity;
    this.ctx.effEnd[this.firstPhase + p] = -Infinity;
  }

  /** Boundary reached: take the pending control if any, then lay out the whole cycle. */
  private startFixedCycle(boundary: number, applyPending: boolean): void {
    if (applyPending && this.pending) {
      this.control = this.pending;
      this.pending = null;
      if (this.control.kind === 'actuated') {
        for (let p = 0; p < this.phaseCount; p++) this.close(p);
        this.startActuated(boundary);
        this.cycleEnd = Infinity;
        return;
      }
    }
    const plan = (this.control as { plan: FixedTimePlan }).plan;
    const c = cycleSeconds(plan);
    // A new plan whose offset does not line up with this boundary holds its first phase
    // longer once (a dwell transition), so its later cycles start at offset + k × cycle.
    const dwell = mod(plan.offsetSeconds - boundary, c);
    const aligned = dwell < 1e-9 || c - dwell < 1e-9;
    this.cycleStart = boundary;
    this.stages = [];
    let pos = boundary;
    for (let p = 0; p < this.phaseCount; p++) {
      const green = plan.greenSeconds[p] + (p === 0 && !aligned ? dwell : 0);
      const g = this.firstPhase + p;
      this.ctx.effStart[g] = pos + this.ctx.startupLostSeconds;
      this.ctx.effEnd[g] = pos + green + Math.min(this.ctx.amberUsedSeconds, plan.amberSeconds);
      this.stages.push({ phase: p, stage: 'green', from: pos, to: pos + green });
      pos += green;
      this.stages.push({ phase: p, stage: 'amber', from: pos, to: pos + plan.amberSeconds });
      pos += plan.amberSeconds;
      this.stages.push({ phase: p, stage: 'allRed', from: pos, to: pos + plan.allRedSeconds });
      pos += plan.allRedSeconds;
    }
    this.cycleEnd = pos;
  }

  private startActuated(t: number): void {
    this.cycleStart = t;
    this.startGreen(0, t);
  }

  private startGreen(p: number, t: number): void {
    this.phase = p;
    this.stage = 'green';
    this.stageStart = t;
    const g = this.firstPhase + p;
    this.ctx.effStart[g] = t + this.ctx.startupLostSeconds;
    this.ctx.effEnd[g] = Infinity; // decided step by step
  }

  private updateActuated(t: number, s: ActuatedSettings): void {
    for (;;) {
      if (this.stage === 'green') {
        const elapsed = t - this.stageStart;
        if (elapsed < s.minGreenSeconds) return;
        const g = this.firstPhase + this.phase;
        const extend = elapsed < s.maxGreenSeconds && this.ctx.phaseHasCall(g, t, s.gapSeconds, s.detectorLeadSeconds);
        if (extend || !this.otherPhaseHasDemand(t, s)) return; // rest in green without rival demand
        this.ctx.effEnd[g] = t + Math.min(this.ctx.amberUsedSeconds, s.amberSeconds);
        this.stage = 'amber';
        this.stageStart = t;
      } else if (this.stage === 'amber') {
        if (t < this.stageStart + s.amberSeconds) return;
        this.stage = 'allRed';
        this.stageStart += s.amberSeconds;
      } else {
        if (t < this.stageStart + s.allRedSeconds) return;
        const at = this.stageStart + s.allRedSeconds;
        const next = this.nextPhaseWithDemand(t, s);
        if (next <= this.phase) {
          // The sequence wraps: a cycle boundary, where a requested control takes over.
          this.cycleStart = at;
          if (this.pending) {
            const pending = this.pending;
            if (pending.kind === 'fixed') {
              this.control = pending;
              this.pending = null;
              for (let p = 0; p < this.phaseCount; p++) this.close(p);
              this.startFixedCycle(at, false);
              this.update(t);
              return;
            }
            this.control = pending;
            this.pending = null;
            s = pending.settings;
          }
        }
        this.startGreen(next, at);
      }
    }
  }

  private otherPhaseHasDemand(t: number, s: ActuatedSettings): boolean {
    for (let p = 0; p < this.phaseCount; p++) {
      if (p !== this.phase && this.ctx.phaseHasDemand(this.firstPhase + p, t, s.detectorLeadSeconds)) return true;
    }
    return false;
  }

  /** The next phase in order that has demand; the next one in order when none has. */
  private nextPhaseWithDemand(t: number, s: ActuatedSettings): number {
    for (let k = 1; k <= this.phaseCount; k++) {
      const p = (this.phase + k) % this.phaseCount;
      if (this.ctx.phaseHasDemand(this.firstPhase + p, t, s.detectorLeadSeconds)) return p;
    }
    return (this.phase + 1) % this.phaseCount;
  }
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
