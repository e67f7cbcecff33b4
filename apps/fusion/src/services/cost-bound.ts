/**
 * Keeps optional recomputations to at most `maxShare` of wall time: after a run that took
 * d ms, the next may start d / maxShare ms after the last one started. For a small city
 * (a 1 ms rebuild) that is no limit at all; for 4,096 crossings (a 500 ms rebuild, with
 * 25 %) it is at most one rebuild every 2 s instead of one every second. Only for work whose
 * result may lag for that long: the caller keeps serving the previous result meanwhile.
 * Runs add up: one bound shared by several kinds of work (a preview and the views rebuilt
 * from it) keeps all of them together to the share, and a run that had to go ahead (the
 * caller did not ask `allows`) pushes the next one further out.
 */
export class CostBound {
  private nextAllowedMs = -Infinity;

  constructor(private readonly maxShare: number) {
    if (!(maxShare > 0 && maxShare <= 1)) throw new Error(`maxShare must be in (0, 1], got ${maxShare}`);
  }

  /** Whether a run may start at `nowMs`. */
  allows(nowMs: number): boolean {
    return nowMs >= this.nextAllowedMs;
  }

  /** Runs `work` (the caller checked `allows`), timing it. */
  run<T>(nowMs: number, work: () => T, clockMs: () => number = () => performance.now()): T {
    const started = clockMs();
    try {
      return work();
    } finally {
      this.nextAllowedMs = Math.max(this.nextAllowedMs, nowMs) + (clockMs() - started) / this.maxShare;
    }
  }
}

/**
 * Lets work that can wait (planning) give way while more urgent work is busy (a burst of
 * forecasts being ingested), for at most `maxWaitMs` in a row, so a flood that never
 * pauses still leaves it a turn that often. Plain logic: the caller passes the clock.
 */
export class YieldWhileBusy {
  private waitingSinceMs: number | null = null;

  constructor(private readonly maxWaitMs: number) {}

  /** `run` (nothing urgent is busy), `wait`, or `forced` (busy, but it has waited `maxWaitMs`; the wait starts over). */
  turn(busy: boolean, nowMs: number): 'run' | 'wait' | 'forced' {
    if (!busy) {
      this.waitingSinceMs = null;
      return 'run';
    }
    this.waitingSinceMs ??= nowMs;
    if (nowMs - this.waitingSinceMs < this.maxWaitMs) return 'wait';
    this.waitingSinceMs = null;
    return 'forced';
  }
}

/** How a caller runs a piece of synchronous work: at once, or timed against a CostBound (PlanningService). */
export type SyncRunner = <T>(work: () => T) => T;

/** Runs the work at once, untimed. */
export const runNow: SyncRunner = (work) => work();

/**
 * For a loop of synchronous steps on the event loop: `ifDue()` resolves at once until
 * `sliceMs` have passed since the last yield, then after a `setImmediate`, so I/O (requests,
 * queue replies) waiting meanwhile runs between the steps.
 */
export class EventLoopYield {
  private sliceStartedMs = performance.now();

  constructor(private readonly sliceMs: number) {}

  async ifDue(): Promise<void> {
    if (performance.now() - this.sliceStartedMs < this.sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.sliceStartedMs = performance.now();
  }
}
