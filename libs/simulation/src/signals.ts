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
import { GreenEnd, SimEventSink, logFixedCycle } from './event-log';
import { ActuatedSettings, CoordinatedActuatedSettings, FixedTimePlan, MaxPressureSettings, SignalControl, cycleSeconds } from './network';

export type SignalStage = 'green' | 'amber' | 'allRed';

export interface SignalState {
  control: SignalControl['kind'];
  phaseIndex: number;
  stage: SignalStage;
  /** When the current stage started, simulation seconds. */
  stageStartSeconds: number;
  /** Start of the running cycle (fixed time, coordinated-actuated) or of the running phase sequence (actuated). */
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
  /** Max-pressure weight of the phase (see the engine's phasePressure). */
  phasePressure(globalPhase: number, t: number, leadSeconds: number): number;
  /** Told of every stage change, for the controller event log (event-log.ts); optional. */
  readonly onStage?: SimEventSink['stage'];
}

interface Stage { phase: number; stage: SignalStage; from: number; to: number }

/**
 * Runs whichever control the crossing has, and swaps in a requested one at the next cycle
 * boundary (fixed time: the end of the cycle; actuated: when the phase sequence wraps;
 * coordinated-actuated: after the clearance that ends the coordinated green, at or after
 * its yield point; max-pressure: after the next clearance).
 */
export class CrossingController {
  private control: SignalControl;
  private pending: SignalControl | null = null;
  // fixed time
  private cycleStart = 0;
  private cycleEnd = 0;
  private stages: Stage[] = [];
  // actuated, coordinated-actuated, max-pressure
  private phase = 0;
  private stage: SignalStage = 'green';
  private stageStart = 0;
  // coordinated-actuated: the last cycle (index) in which the coordinated phase yielded, and that cycle's reference point
  private yieldedCycle = 0;
  private servedCycleStart = 0;
  // max-pressure: next decision instant and the phase chosen for after the clearance
  private nextDecision = 0;
  private chosen = 0;

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
      this.startFixedCycle(first);
    } else {
      this.begin(control, startSeconds);
    }
  }

  request(control: SignalControl): void {
    this.pending = control;
  }

  update(t: number): void {
    const control = this.control;
    if (control.kind === 'fixed') {
      while (t >= this.cycleEnd) {
        const boundary = this.cycleEnd;
        if (this.pending) {
          this.takePending(boundary);
          if (this.control.kind !== 'fixed') return this.update(t);
        } else {
          this.startFixedCycle(boundary);
        }
      }
    } else if (control.kind === 'actuated') {
      this.updateActuated(t, control.settings);
    } else if (control.kind === 'coordinated-actuated') {
      this.updateCoordinated(t, control.settings);
    } else {
      this.updateMaxPressure(t, control.settings);
    }
  }

  state(t: number): SignalState {
    const plan = this.control.kind === 'fixed' ? this.control.plan : null;
    if (this.control.kind === 'fixed') {
      const s = this.stages.find((x) => t >= x.from && t < x.to) ?? this.stages[this.stages.length - 1];
      return { control: 'fixed', phaseIndex: s.phase, stage: s.stage, stageStartSeconds: s.from, cycleStartSeconds: this.cycleStart, plan, pending: this.pending !== null };
    }
    return { control: this.control.kind, phaseIndex: this.phase, stage: this.stage, stageStartSeconds: this.stageStart, cycleStartSeconds: this.cycleStart, plan, pending: this.pending !== null };
  }

  private close(p: number): void {
    this.ctx.effStart[this.firstPhase + p] = Infinity;
    this.ctx.effEnd[this.firstPhase + p] = -Infinity;
  }

  /** The pending control takes over at `at` (a boundary of the running one, after a clearance). */
  private takePending(at: number): void {
    const control = this.pending!;
    this.pending = null;
    this.control = control;
    for (let p = 0; p < this.phaseCount; p++) this.close(p);
    if (control.kind === 'fixed') this.startFixedCycle(at);
    else this.begin(control, at);
  }

  /** Starts a phase-by-phase controller at `at`. */
  private begin(control: Exclude<SignalControl, { kind: 'fixed' }>, at: number): void {
    this.cycleEnd = Infinity;
    this.cycleStart = at;
    if (control.kind === 'actuated') {
      this.startGreen(0, at);
    } else if (control.kind === 'coordinated-actuated') {
      const s = control.settings;
      // The coordinated phase starts; it yields from the current cycle's yield point on.
      this.yieldedCycle = Math.floor((at - s.offsetSeconds) / s.cycleSeconds) - 1;
      this.startGreen(s.coordinatedPhase, at);
    } else {
      const best = this.highestPressure(at, control.settings, -1);
      this.startGreen(best < 0 ? 0 : best, at);
      this.nextDecision = at + control.settings.minGreenSeconds;
    }
  }

  /** Lays out the whole cycle of the running fixed plan from `boundary`. */
  private startFixedCycle(boundary: number): void {
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
    if (this.ctx.onStage) logFixedCycle(this.ctx.onStage, this.firstPhase, this.stages);
  }

  private startGreen(p: number, t: number): void {
    this.phase = p;
    this.stage = 'green';
    this.stageStart = t;
    const g = this.firstPhase + p;
    this.ctx.effStart[g] = t + this.ctx.startupLostSeconds;
    this.ctx.effEnd[g] = Infinity; // decided step by step
    this.ctx.onStage?.(g, 'green', t);
  }

  private endGreen(t: number, amberSeconds: number, termination: GreenEnd): void {
    this.ctx.effEnd[this.firstPhase + this.phase] = t + Math.min(this.ctx.amberUsedSeconds, amberSeconds);
    this.ctx.onStage?.(this.firstPhase + this.phase, 'amber', t, termination);
    this.stage = 'amber';
    this.stageStart = t;
  }

  /** Amber then all-red; returns the time the clearance ends, or null while it runs. */
  private clearance(t: number, amberSeconds: number, allRedSeconds: number): number | null {
    if (this.stage === 'amber') {
      if (t < this.stageStart + amberSeconds) return null;
      this.stage = 'allRed';
      this.stageStart += amberSeconds;
      this.ctx.onStage?.(this.firstPhase + this.phase, 'allRed', this.stageStart);
    }
    if (t < this.stageStart + allRedSeconds) return null;
    this.ctx.onStage?.(this.firstPhase + this.phase, 'endAllRed', this.stageStart + allRedSeconds);
    return this.stageStart + allRedSeconds;
  }

  // ---------------------------------------------------------------- actuated (free)

  private updateActuated(t: number, s: ActuatedSettings): void {
    for (;;) {
      if (this.stage === 'green') {
        const elapsed = t - this.stageStart;
        if (elapsed < s.minGreenSeconds) return;
        const g = this.firstPhase + this.phase;
        const calling = this.ctx.phaseHasCall(g, t, s.gapSeconds, s.detectorLeadSeconds);
        const extend = elapsed < s.maxGreenSeconds && calling;
        if (extend || !this.otherPhaseHasDemand(t, s.detectorLeadSeconds)) return; // rest in green without rival demand
        this.endGreen(t, s.amberSeconds, calling ? 'max-out' : 'gap-out');
      } else {
        const at = this.clearance(t, s.amberSeconds, s.allRedSeconds);
        if (at === null) return;
        const next = this.nextPhaseWithDemand(t, s.detectorLeadSeconds);
        if (next <= this.phase) {
          // The sequence wraps: a cycle boundary, where a requested control takes over.
          this.cycleStart = at;
          if (this.pending) {
            if (this.pending.kind !== 'actuated') {
              this.takePending(at);
              this.update(t);
              return;
            }
            this.control = this.pending;
            this.pending = null;
            s = this.control.settings as ActuatedSettings;
          }
        }
        this.startGreen(next, at);
      }
    }
  }

  private otherPhaseHasDemand(t: number, lead: number): boolean {
    for (let p = 0; p < this.phaseCount; p++) {
      if (p !== this.phase && this.ctx.phaseHasDemand(this.firstPhase + p, t, lead)) return true;
    }
    return false;
  }

  /** The next phase in order that has demand; the next one in order when none has. */
  private nextPhaseWithDemand(t: number, lead: number): number {
    for (let k = 1; k <= this.phaseCount; k++) {
      const p = (this.phase + k) % this.phaseCount;
      if (this.ctx.phaseHasDemand(this.firstPhase + p, t, lead)) return p;
    }
    return (this.phase + 1) % this.phaseCount;
  }

  // ---------------------------------------------------------------- coordinated-actuated

  /** Force-off of the phase at sequence position j (0 = the coordinated phase), seconds after the reference point. */
  private forceOff(s: CoordinatedActuatedSettings, j: number): number {
    let end = 0;
    for (let i = 0; i <= j; i++) end += s.splitSeconds[(s.coordinatedPhase + i) % this.phaseCount];
    return end - s.amberSeconds - s.allRedSeconds;
  }

  /** The first non-coordinated phase from sequence position `fromJ` on that is called and whose minimum green fits before its force-off; -1 if none. */
  private nextServable(s: CoordinatedActuatedSettings, fromJ: number, at: number, t: number): number {
    for (let j = Math.max(1, fromJ); j < this.phaseCount; j++) {
      const p = (s.coordinatedPhase + j) % this.phaseCount;
      if (at + s.minGreenSeconds > this.servedCycleStart + this.forceOff(s, j) + 1e-9) continue;
      if (this.ctx.phaseHasDemand(this.firstPhase + p, t, s.detectorLeadSeconds)) return p;
    }
    return -1;
  }

  private updateCoordinated(t: number, s: CoordinatedActuatedSettings): void {
    const clearance = s.amberSeconds + s.allRedSeconds;
    for (;;) {
      if (this.stage === 'green') {
        const elapsed = t - this.stageStart;
        if (this.phase === s.coordinatedPhase) {
          const next = this.pending;
          if (next && next.kind === 'coordinated-actuated' && next.settings.coordinatedPhase === s.coordinatedPhase) {
            // A new coordinated plan with the same coordinated phase takes over in this green
            // (no extra clearance); it yields from its own next yield point on.
            this.control = next;
            this.pending = null;
            s = next.settings;
            this.yieldedCycle = Math.floor((t - s.offsetSeconds) / s.cycleSeconds) - 1;
            return this.updateCoordinated(t, s);
          }
          if (elapsed < s.minGreenSeconds) return;
          const k = Math.floor((t - s.offsetSeconds) / s.cycleSeconds);
          const reference = s.offsetSeconds + k * s.cycleSeconds;
          const yieldPoint = s.splitSeconds[s.coordinatedPhase] - clearance;
          if (t - reference < yieldPoint - 1e-9 || k <= this.yieldedCycle) return; // holds to its yield point, yields once per cycle
          this.servedCycleStart = reference;
          if (!this.pending && this.nextServable(s, 1, t + clearance, t) < 0) return; // rest in green: nobody calls
          this.yieldedCycle = k;
          this.cycleStart = reference;
          this.endGreen(t, s.amberSeconds, 'force-off');
        } else {
          const j = mod(this.phase - s.coordinatedPhase, this.phaseCount);
          const forcedOff = t >= this.servedCycleStart + this.forceOff(s, j) - 1e-9;
          if (!forcedOff) {
            if (elapsed < s.minGreenSeconds) return;
            const max = s.maxGreenSeconds?.[this.phase] ?? Infinity;
            if (elapsed < max && this.ctx.phaseHasCall(this.firstPhase + this.phase, t, s.gapSeconds, s.detectorLeadSeconds)) return; // extended
          }
          this.endGreen(t, s.amberSeconds, forcedOff ? 'force-off' : elapsed >= (s.maxGreenSeconds?.[this.phase] ?? Infinity) ? 'max-out' : 'gap-out');
        }
      } else {
        const at = this.clearance(t, s.amberSeconds, s.allRedSeconds);
        if (at === null) return;
        if (this.pending) {
          this.takePending(at);
          this.update(t);
          return;
        }
        const j = this.phase === s.coordinatedPhase ? 1 : mod(this.phase - s.coordinatedPhase, this.phaseCount) + 1;
        const next = this.nextServable(s, j, at, t);
        this.startGreen(next < 0 ? s.coordinatedPhase : next, at); // nobody else: early return to the coordinated phase
      }
    }
  }

  // ---------------------------------------------------------------- max-pressure

  /** The phase with the highest pressure (ties: the lowest index), other than `except`; -1 when no phase has positive pressure. */
  private highestPressure(t: number, s: MaxPressureSettings, except: number): number {
    let best = -1;
    let bestPressure = 0;
    for (let p = 0; p < this.phaseCount; p++) {
      if (p === except) continue;
      const pressure = this.ctx.phasePressure(this.firstPhase + p, t, s.detectorLeadSeconds);
      if (pressure > bestPressure) {
        best = p;
        bestPressure = pressure;
      }
    }
    return best;
  }

  private updateMaxPressure(t: number, s: MaxPressureSettings): void {
    for (;;) {
      if (this.stage === 'green') {
        const elapsed = t - this.stageStart;
        if (elapsed < s.minGreenSeconds || t < this.nextDecision) return;
        this.nextDecision += s.decisionSeconds * Math.max(1, Math.ceil((t - this.nextDecision + 1e-9) / s.decisionSeconds));
        if (this.pending) {
          this.endGreen(t, s.amberSeconds, 'force-off');
          continue;
        }
        const own = this.ctx.phasePressure(this.firstPhase + this.phase, t, s.detectorLeadSeconds);
        let rival = this.highestPressure(t, s, this.phase);
        if (rival < 0) {
          // No rival has positive pressure: keep a green that moves traffic; one that moves
          // nobody (own pressure <= 0) passes to the next phase with vehicles waiting.
          if (own > 0 || !this.otherPhaseHasDemand(t, s.detectorLeadSeconds)) return;
          rival = this.nextPhaseWithDemand(t, s.detectorLeadSeconds);
          this.chosen = rival;
          this.endGreen(t, s.amberSeconds, 'gap-out');
          continue;
        }
        const rivalPressure = this.ctx.phasePressure(this.firstPhase + rival, t, s.detectorLeadSeconds);
        const maxedOut = s.maxGreenSeconds !== undefined && elapsed >= s.maxGreenSeconds;
        if (rivalPressure <= own && !maxedOut) return;
        this.chosen = rival;
        this.endGreen(t, s.amberSeconds, maxedOut ? 'max-out' : 'force-off');
      } else {
        const at = this.clearance(t, s.amberSeconds, s.allRedSeconds);
        if (at === null) return;
        this.cycleStart = at;
        if (this.pending) {
          this.takePending(at);
          this.update(t);
          return;
        }
        this.startGreen(this.chosen, at);
        this.nextDecision = at + s.minGreenSeconds;
      }
    }
  }
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
