import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { IntervalHistogram, monitorEventLoopDelay, performance, EventLoopUtilization } from 'node:perf_hooks';

/** How long a window the figures cover: several city steps at demo pace, short enough to say how fusion is doing now. */
export const EVENT_LOOP_WINDOW_MS = 10_000;

/** The event loop over the last full window: how long ready work waited, and how busy the loop was. */
export interface EventLoopFigures {
  /** When the window closed (ISO time); null for the first window, still open just after start-up. */
  windowEndedAt: string | null;
  windowSeconds: number;
  /** Delay of the loop's timer ticks (how long a request or socket event that was ready waited), ms. */
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  /** Share of the window the loop ran JavaScript rather than waiting for I/O (0–1). */
  busyShare: number;
}

/**
 * Measures fusion's event loop (Node's own histogram of timer delay and its loop utilisation),
 * so that a long synchronous step — a city fusion step, a planning round, a state save — shows
 * as what operators feel: a dashboard request or a socket event waiting behind it. Figures are
 * for the last full window (EVENT_LOOP_WINDOW_MS), not since start-up, so /health says how
 * fusion is doing now.
 */
@Injectable()
export class EventLoopMonitor implements OnModuleInit, OnModuleDestroy {
  private histogram: IntervalHistogram | null = null;
  private timer: NodeJS.Timeout | null = null;
  private windowStartUtilization: EventLoopUtilization = performance.eventLoopUtilization();
  private lastWindow: EventLoopFigures | null = null;

  onModuleInit(): void {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.windowStartUtilization = performance.eventLoopUtilization();
    this.timer = setInterval(() => this.closeWindow(), EVENT_LOOP_WINDOW_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram?.disable();
    this.timer = null;
    this.histogram = null;
  }

  /** The last full window, or the one under way when none has closed yet (just started). */
  figures(): EventLoopFigures {
    return this.lastWindow ?? this.current();
  }

  private closeWindow(): void {
    this.lastWindow = { ...this.current(), windowEndedAt: new Date().toISOString() };
    this.histogram?.reset();
    this.windowStartUtilization = performance.eventLoopUtilization();
  }

  private current(): EventLoopFigures {
    const ms = (ns: number) => (Number.isFinite(ns) ? Math.round(ns / 1e5) / 10 : 0);
    const h = this.histogram;
    const utilization = performance.eventLoopUtilization(this.windowStartUtilization);
    return {
      windowEndedAt: null,
      windowSeconds: Math.round((utilization.idle + utilization.active) / 100) / 10,
      delayP50Ms: h && h.count > 0 ? ms(h.percentile(50)) : 0,
      delayP99Ms: h && h.count > 0 ? ms(h.percentile(99)) : 0,
      delayMaxMs: h && h.count > 0 ? ms(h.max) : 0,
      busyShare: Math.round(utilization.utilization * 1000) / 1000,
    };
  }
}
