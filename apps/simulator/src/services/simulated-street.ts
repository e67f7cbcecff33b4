import { DetectorReading, SignalEventLogMessage, SimulationReport, TimingPlanMessage } from '@crosscast/contracts';
import { ActuatedSettings, CoordinatedActuatedSettings, FixedTimePlan, SignalEventLog, SimCity, Simulation, createSimulation, mapActuatedPlan, mapCoordinatedPlan, mapTimingPlan } from '@crosscast/simulation';
import { eventLogMessages } from './signal-event-logs';
import { detectorReadings, simulationReport } from './simulated-interval';

export interface SimulatedStreetOptions {
  seed: number;
  /** Data time of simulation second 0: a local midnight (the demand profile starts there). */
  originMs: number;
  intervalMinutes: number;
  /** Entry link → veh/h per interval of a day, repeated every day. */
  dailyDemand: Record<string, number[]>;
  runId: string;
  /** Keep every signal's controller event log (libs/simulation/src/event-log.ts) and return it per interval. */
  eventLogs?: boolean;
}

export interface SimulatedInterval {
  intervalStartMs: number;
  readings: DetectorReading[];
  report: SimulationReport;
  /**
   * Each crossing's controller event log for the interval before this one (a log is whole
   * only a step after its interval ends: controllers notice a stage change a step late);
   * empty without `eventLogs` and for the first interval.
   */
  eventLogs: SignalEventLogMessage[];
}

export type PlanOutcome = { ok: true; plan: FixedTimePlan } | { ok: true; coordinated: CoordinatedActuatedSettings } | { ok: true; actuated: ActuatedSettings } | { ok: false; reason: string };

/**
 * The simulated street: the engine on a city network, stepped one interval at a time in
 * data time, with the day's demand profile restarted every midnight and timing plans
 * taken at the crossings' next cycle boundary. Plain logic, no I/O and no wall clock.
 */
export class SimulatedStreet {
  private readonly sim: Simulation;
  private readonly intervalSeconds: number;
  private readonly intervalsPerDay: number;
  private nextInterval = 0;
  private readonly runningPlan = new Map<string, string>();
  private readonly pendingPlan = new Map<string, string>();
  private readonly crossingsById: Map<string, SimCity['crossings'][number]>;
  private readonly eventLog: SignalEventLog | null;
  /** The first interval whose event logs are returned (logs run from the interval before: a warm-up). */
  private firstLoggedInterval = 0;

  constructor(
    readonly city: SimCity,
    private readonly options: SimulatedStreetOptions,
  ) {
    const approachOfLink = new Map(Object.entries(city.approachLinks).flatMap(([approach, links]) => links.map((l) => [l, approach] as const)));
    this.eventLog = options.eventLogs ? new SignalEventLog(city.network, { approachIdOf: (link) => approachOfLink.get(link) ?? link }) : null;
    this.sim = createSimulation({ ...city.network, demand: [] }, { seed: options.seed, ...(this.eventLog ? { eventSink: this.eventLog } : {}) });
    this.intervalSeconds = options.intervalMinutes * 60;
    this.intervalsPerDay = Math.round(86_400 / this.intervalSeconds);
    this.crossingsById = new Map(city.crossings.map((c) => [c.id, c]));
    for (const c of city.crossings) this.runningPlan.set(c.id, c.basePlanId);
  }

  /** Data time of the next interval to simulate. */
  get nextIntervalStartMs(): number {
    return this.options.originMs + this.nextInterval * this.intervalSeconds * 1000;
  }

  get intervalsSimulated(): number {
    return this.nextInterval;
  }

  planIdOf(crossingId: string): string {
    return this.runningPlan.get(crossingId) ?? 'unknown';
  }

  /** Simulates the next interval and returns what the detectors and the report say about it. */
  advance(): SimulatedInterval {
    if (this.nextInterval % this.intervalsPerDay === 0) {
      for (const [link, rates] of Object.entries(this.options.dailyDemand)) this.sim.setDemand(link, rates, this.intervalSeconds);
    }
    const intervalStartMs = this.nextIntervalStartMs;
    this.nextInterval++;
    this.sim.advanceTo(this.nextInterval * this.intervalSeconds);
    const interval = this.sim.takeIntervalReport();
    // A plan requested during the interval has taken over once the controller is no longer waiting.
    for (const [crossingId, planId] of [...this.pendingPlan]) {
      if (!this.sim.signalState(crossingId).pending) {
        this.runningPlan.set(crossingId, planId);
        this.pendingPlan.delete(crossingId);
      }
    }
    return {
      intervalStartMs,
      readings: detectorReadings(this.city, interval, intervalStartMs, this.options.intervalMinutes),
      report: simulationReport(this.city, this.options.runId, interval, this.sim.totals(), intervalStartMs, this.options.intervalMinutes, (id) => this.planIdOf(id)),
      eventLogs: this.eventLog ? this.takeEventLogs(this.nextInterval - 2) : [],
    };
  }

  /**
   * Stops recording the signals' event logs (a fast backfill nobody reads them from) or
   * starts it again: then the next interval is a warm-up and the logs of the one after it
   * are the first returned, whole.
   */
  recordEventLogs(on: boolean): void {
    if (!this.eventLog) return;
    this.eventLog.recording = on;
    this.eventLog.takeUntil(Infinity);
    this.firstLoggedInterval = on ? this.nextInterval + 1 : Infinity;
  }

  private takeEventLogs(interval: number) {
    const messages = eventLogMessages(this.eventLog!, this.options.runId, this.options.originMs, interval, this.options.intervalMinutes);
    return interval >= this.firstLoggedInterval ? messages : [];
  }

  /** Maps a validated timing plan onto the crossing's phases and requests it for the next cycle boundary. */
  applyPlan(message: TimingPlanMessage): PlanOutcome {
    const crossing = this.crossingsById.get(message.crossingId);
    if (!crossing) return { ok: false, reason: `crossing ${message.crossingId} is not in the simulated network ${this.city.name}` };
    if (message.coordination && message.actuated) return { ok: false, reason: 'a plan is coordinated or free (actuated), not both' };
    if (message.actuated) {
      // A group's free operation: the actuated controller, from the crossing's next boundary.
      const free = mapActuatedPlan(crossing, message.phases, message.actuated);
      if (!free.ok) return free;
      try {
        this.sim.setControl(crossing.id, { kind: 'actuated', settings: free.settings });
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
      this.pendingPlan.set(crossing.id, message.planId);
      return { ok: true, actuated: free.settings };
    }
    if (message.coordination) {
      // A corridor's plan: coordinated-actuated from the common cycle boundary (simulation time 0 is every crossing's reference).
      const coordinated = mapCoordinatedPlan(crossing, message.cycleSeconds, message.phases, message.coordination);
      if (!coordinated.ok) return coordinated;
      try {
        this.sim.setControl(crossing.id, { kind: 'coordinated-actuated', settings: coordinated.settings });
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
      this.pendingPlan.set(crossing.id, message.planId);
      return { ok: true, coordinated: coordinated.settings };
    }
    const state = this.sim.signalState(crossing.id);
    const current = state.plan ?? this.basePlan(crossing.id);
    if (!current) return { ok: false, reason: `crossing ${crossing.id} is not under fixed-time control` };
    const mapped = mapTimingPlan(crossing, current, message.cycleSeconds, message.phases);
    if (!mapped.ok) return mapped;
    try {
      this.sim.setPlan(crossing.id, mapped.plan);
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    this.pendingPlan.set(crossing.id, message.planId);
    return mapped;
  }

  private basePlan(crossingId: string): FixedTimePlan | null {
    const control = this.city.network.crossings.find((c) => c.id === crossingId)?.control;
    return control?.kind === 'fixed' ? control.plan : null;
  }
}
