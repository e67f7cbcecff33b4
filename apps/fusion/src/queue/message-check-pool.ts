import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { CheckAnswer, CheckRequest, CheckedKind, MessageVerdict, signingKeyOf, verdictOf } from './message-checks';
import type { CheckBatch, CheckBatchAnswer } from './message-check.thread';

/** Messages sent to a thread in one batch, at most: small enough that answers stream back while a burst is checked. */
const BATCH_REQUESTS = 64;
/** A pool whose threads died this many times checks every message inline from then on (and says so). */
const MAX_THREAD_FAILURES = 10;

interface PendingCheck {
  request: CheckRequest;
  /** The message as BullMQ parsed it: checked here instead when its thread fails. */
  data: unknown;
  resolve: (verdict: MessageVerdict) => void;
}

interface CheckerThread {
  worker: Worker;
  inFlight: Map<number, PendingCheck[]>;
  requests: number;
}

/**
 * Checks received messages (schema, then signature: verdictOf) on CHECK_THREADS worker
 * threads, so that fusion's event loop, which fetches, batches, stores and feeds them, does
 * not also spend its time there: in the pipeline benchmark at 1,024 crossings those checks
 * and the garbage from zod's copy of every message were about a third of fusion's CPU per
 * stored forecast. A thread is sent the message's text as it came off the queue (a string
 * copies cheaply between threads; a parsed object would cost as much as parsing it again)
 * with its crossing's key, and answers with a small verdict; the event loop then reads the
 * message BullMQ already parsed (zod's strict schemas change nothing in a message that
 * passes, so it is the value zod would have returned).
 *
 * CHECK_THREADS 0 checks inline, and so does a message whose text is not known (a job
 * BullMQ could not parse) or whose thread failed; a pool whose threads keep failing goes
 * inline for good. Either way the verdict is the same function's.
 */
@Injectable()
export class MessageCheckPool implements OnApplicationShutdown {
  private readonly logger = new Logger(MessageCheckPool.name);
  private readonly threads: CheckerThread[] = [];
  private queued: PendingCheck[] = [];
  private nextBatchId = 1;
  private failures = 0;
  private closing = false;
  private readonly script: { file: string; execArgv: string[] } | null;
  private readonly wanted: number;

  constructor(
    @Inject(FUSION_CONFIG) config: FusionConfig,
    @Inject(WORKER_KEYS) private readonly keys: WorkerKeys,
  ) {
    this.wanted = config.CHECK_THREADS ?? defaultCheckThreads();
    this.script = this.wanted > 0 ? checkerThreadScript() : null;
    if (this.wanted > 0 && !this.script) this.logger.warn('the compiled checker thread is missing (run `npm run build`): messages are checked inline');
  }

  /** Threads running now (0: every message is checked inline). */
  get threadCount(): number {
    return this.threads.length;
  }

  /**
   * The verdict on one received message: `data` as BullMQ parsed it, `text` the JSON it
   * was parsed from (undefined when unknown: then it is checked here).
   */
  verdict(kind: CheckedKind, data: unknown, text: string | undefined): Promise<MessageVerdict> {
    const key = signingKeyOf(data, this.keys);
    if (text === undefined || !this.ensureThreads()) return Promise.resolve(verdictOf(kind, data, key));
    return new Promise((resolve) => {
      this.queued.push({ request: { kind, text, key }, data, resolve });
      if (this.queued.length === 1) setImmediate(() => this.dispatch());
    });
  }

  onApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.dispatch();
    return Promise.all(this.threads.map((t) => t.worker.terminate())).then(() => undefined);
  }

  /** Sends what is queued, in batches, each to the thread with the fewest messages in hand. */
  private dispatch(): void {
    const queued = this.queued;
    this.queued = [];
    for (let start = 0; start < queued.length; start += BATCH_REQUESTS) {
      const batch = queued.slice(start, start + BATCH_REQUESTS);
      const thread = !this.ensureThreads() ? null : this.threads.reduce((a, b) => (b.requests < a.requests ? b : a));
      if (!thread) {
        for (const pending of batch) this.checkHere(pending);
        continue;
      }
      const id = this.nextBatchId++;
      thread.inFlight.set(id, batch);
      thread.requests += batch.length;
      const message: CheckBatch = { id, requests: batch.map((p) => p.request) };
      thread.worker.postMessage(message);
    }
  }

  /** Starts the threads (again, after a failure); false when messages are to be checked inline. */
  private ensureThreads(): boolean {
    if (!this.script || this.closing || this.failures >= MAX_THREAD_FAILURES) return false;
    while (this.threads.length < this.wanted) this.threads.push(this.startThread(this.script));
    return true;
  }

  private startThread(script: { file: string; execArgv: string[] }): CheckerThread {
    const worker = new Worker(script.file, { execArgv: script.execArgv });
    // Never what keeps the process alive: shutdown terminates them.
    worker.unref();
    const thread: CheckerThread = { worker, inFlight: new Map(), requests: 0 };
    const settle = (pending: PendingCheck, answer: CheckAnswer | undefined) => {
      if (answer && !('error' in answer)) pending.resolve(answer);
      else this.checkHere(pending);
    };
    worker.on('message', (answer: CheckBatchAnswer) => {
      const batch = thread.inFlight.get(answer.id);
      if (!batch) return;
      thread.inFlight.delete(answer.id);
      thread.requests -= batch.length;
      batch.forEach((pending, i) => settle(pending, answer.answers[i]));
    });
    const failed = (why: string) => {
      const index = this.threads.indexOf(thread);
      if (index < 0) return;
      this.threads.splice(index, 1);
      // What the thread held is checked here: nothing waits on a dead thread.
      for (const batch of thread.inFlight.values()) for (const pending of batch) this.checkHere(pending);
      thread.inFlight.clear();
      if (this.closing) return;
      this.failures++;
      this.logger.error(`a message checker thread stopped (${why}); ${this.failures >= MAX_THREAD_FAILURES ? 'checking every message inline from now on' : 'starting another'}`);
    };
    worker.on('error', (error) => failed(error.message));
    worker.on('exit', (code) => failed(`exit code ${code}`));
    return thread;
  }

  private checkHere(pending: PendingCheck): void {
    pending.resolve(verdictOf(pending.request.kind, pending.data, pending.request.key));
  }
}

/** CHECK_THREADS unset: one fewer than the cores this process may use (the event loop keeps one), at most 4. */
export function defaultCheckThreads(): number {
  return Math.min(4, Math.max(0, os.availableParallelism() - 1));
}

/**
 * The compiled thread file. Run from dist/ it sits beside this file; run from the
 * TypeScript sources (jest) it is dist/'s copy (npm test builds first), null when there is
 * none. The thread resolves the `@crosscast/*` aliases as the compiled apps do.
 */
export function checkerThreadScript(): { file: string; execArgv: string[] } | null {
  const compiled = __filename.endsWith('.js');
  const root = path.resolve(__dirname, compiled ? '../../../../..' : '../../../..');
  const file = compiled ? path.join(__dirname, 'message-check.thread.js') : path.join(root, 'dist', path.relative(root, __dirname), 'message-check.thread.js');
  const aliases = path.join(root, 'tools/register-aliases.js');
  if (!fs.existsSync(file) || !fs.existsSync(aliases)) return null;
  return { file, execArgv: ['-r', aliases] };
}
