import * as fs from 'node:fs';
import * as path from 'node:path';
import { ForecastMessage, ObservedInterval } from '@crosscast/contracts';

/** Most earlier intervals one forecast may carry (the message schema's limit). */
const MAX_CARRIED_OBSERVATIONS = 96;

export interface OutboxLimits {
  /** Most forecasts kept unsent (BUFFER_LIMIT). */
  messages: number;
  /** Most bytes of unsent forecasts kept (BUFFER_LIMIT_BYTES). */
  bytes: number;
}

/** One line of the journal file. */
type JournalLine =
  | { put: ForecastMessage }
  | { ack: string }
  | { drop: string; put?: ForecastMessage }
  | { seqs: Record<string, number> };

export interface DropReport {
  dropped: string;
  /** The message that now carries the dropped one's observations (null: none of its crossing was buffered, they are lost). */
  carriedInto: string | null;
  /** Observed intervals lost because the carrier was already full (more than 96). */
  observationsLost: number;
}

/**
 * The edge worker's outbox: every forecast is appended to `<DATA_DIR>/outbox.jsonl` and
 * flushed to the disk (fdatasync) before it is handed to Redis, so a SIGKILL or a power
 * cut loses nothing the worker has forecast. One JSON object per line:
 * `{"put": message}` (a forecast to send), `{"ack": id}` (Redis took it), `{"drop": id,
 * "put"?: carrier}` (dropped because the outbox was full; the carrier replaces the next
 * forecast of the same crossing), `{"seqs": {...}}` (the highest sequence number each
 * crossing has used, written by compaction). Acks are not synced: losing one only means a
 * resend, which fusion recognises by message id. At start the file is replayed in order;
 * a torn last line (a crash mid-write) is ignored. When dead lines (acknowledged or
 * dropped) outnumber the live ones and number at least 64, the file is rewritten
 * (atomically) with only the live forecasts and the sequence checkpoint.
 *
 * Bounded: more than `messages` forecasts or `bytes` bytes unsent, and the oldest unsent
 * forecast (never the one being sent) is dropped; its observed intervals are carried into
 * the next buffered forecast of the same crossing (`earlierObserved`, re-signed), so the
 * city still receives every observation, up to the schema's 96 carried intervals.
 */
export class OutboxJournal {
  private readonly pending = new Map<string, { message: ForecastMessage; bytes: number }>();
  private readonly highestSeq = new Map<string, number>();
  private pendingBytes = 0;
  private deadLines = 0;
  private fd: number | null = null;
  dropped = 0;
  observationsLost = 0;

  constructor(
    readonly file: string,
    private readonly limits: OutboxLimits,
    private readonly resign: (message: ForecastMessage) => ForecastMessage,
  ) {}

  /** Replays the file (if any) and opens it for appending. Returns how many forecasts are unsent. */
  open(): number {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      let line: JournalLine;
      try {
        line = JSON.parse(raw) as JournalLine;
      } catch {
        continue; // a torn write at the end of the file
      }
      this.apply(line);
    }
    this.rewrite();
    return this.pending.size;
  }

  get size(): number {
    return this.pending.size;
  }

  get bytes(): number {
    return this.pendingBytes;
  }

  /** The highest seq this crossing has put into the outbox, ever (survives compaction). */
  highestSeqFor(crossingId: string): number | null {
    return this.highestSeq.get(crossingId) ?? null;
  }

  /** The oldest unsent forecast. */
  first(): ForecastMessage | null {
    const next = this.pending.values().next();
    return next.done ? null : next.value.message;
  }

  /** Durably records a new forecast, then enforces the bound. `inFlight` is never dropped. */
  append(message: ForecastMessage, inFlight: string | null): DropReport[] {
    this.write({ put: message }, true);
    this.apply({ put: message });
    const reports: DropReport[] = [];
    while (this.pending.size > this.limits.messages || (this.pendingBytes > this.limits.bytes && this.pending.size > 1)) {
      const report = this.dropOldest(inFlight);
      if (!report) break;
      reports.push(report);
    }
    return reports;
  }

  /** Redis has the message: forget it. */
  ack(messageId: string): void {
    if (!this.pending.has(messageId)) return;
    this.apply({ ack: messageId });
    // Compact once dead lines outnumber live ones (and at least 64, so a quiet outbox is not rewritten per forecast).
    if (this.deadLines >= Math.max(64, this.pending.size)) this.rewrite();
    else this.write({ ack: messageId }, false);
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  private dropOldest(inFlight: string | null): DropReport | null {
    const entries = [...this.pending.values()].map((e) => e.message);
    // The oldest forecast that has a later one of its crossing to carry its observations;
    // failing that, the oldest of all.
    const laterOfSameCrossing = (i: number) => {
      for (let j = i + 1; j < entries.length; j++) if (entries[j].crossingId === entries[i].crossingId) return entries[j];
      return null;
    };
    let victimIndex = entries.findIndex((m, i) => m.messageId !== inFlight && laterOfSameCrossing(i) !== null);
    if (victimIndex < 0) victimIndex = entries.findIndex((m) => m.messageId !== inFlight);
    if (victimIndex < 0) return null;
    const victim = entries[victimIndex];
    const next = laterOfSameCrossing(victimIndex);
    let carrier: ForecastMessage | undefined;
    let lost = 0;
    if (next) {
      const carried = carryObservationsForward(victim, next);
      lost = carried.lost;
      carrier = this.resign(carried.message);
    } else {
      lost = (victim.earlierObserved?.length ?? 0) + 1;
    }
    const line: JournalLine = carrier ? { drop: victim.messageId, put: carrier } : { drop: victim.messageId };
    this.write(line, true);
    this.apply(line);
    this.dropped++;
    this.observationsLost += lost;
    return { dropped: victim.messageId, carriedInto: next?.messageId ?? null, observationsLost: lost };
  }

  private apply(line: JournalLine): void {
    if ('seqs' in line) {
      for (const [crossingId, seq] of Object.entries(line.seqs)) this.noteSeq(crossingId, seq);
    } else if ('ack' in line) {
      this.remove(line.ack);
    } else if ('drop' in line) {
      this.remove(line.drop);
      // The carrier replaces its own earlier version, in place (Map keeps insertion order).
      if (line.put && this.pending.has(line.put.messageId)) this.set(line.put);
    } else if ('put' in line) {
      this.noteSeq(line.put.crossingId, line.put.seq);
      this.set(line.put);
    }
  }

  private set(message: ForecastMessage): void {
    const bytes = Buffer.byteLength(JSON.stringify(message));
    const previous = this.pending.get(message.messageId);
    if (previous) {
      this.pendingBytes -= previous.bytes;
      this.deadLines++;
    }
    this.pending.set(message.messageId, { message, bytes });
    this.pendingBytes += bytes;
  }

  private remove(messageId: string): void {
    const entry = this.pending.get(messageId);
    if (!entry) return;
    this.pending.delete(messageId);
    this.pendingBytes -= entry.bytes;
    this.deadLines += 2; // its put line and this line
  }

  private noteSeq(crossingId: string, seq: number): void {
    if (seq > (this.highestSeq.get(crossingId) ?? -1)) this.highestSeq.set(crossingId, seq);
  }

  private write(line: JournalLine, sync: boolean): void {
    if (this.fd === null) this.fd = fs.openSync(this.file, 'a');
    fs.writeSync(this.fd, `${JSON.stringify(line)}\n`);
    // fsync policy: every forecast (one per detector batch) and every drop is on the disk
    // before it is sent or before the drop takes effect; acks are not (a lost ack = a resend).
    if (sync) fs.fdatasyncSync(this.fd);
  }

  /** Compaction: the sequence checkpoint and the live forecasts, written to a temp file, synced, renamed over. */
  private rewrite(): void {
    this.close();
    const lines: JournalLine[] = [{ seqs: Object.fromEntries(this.highestSeq) }, ...[...this.pending.values()].map((e) => ({ put: e.message }))];
    const temp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeSync(fd, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, this.file);
    this.deadLines = 0;
  }
}

/**
 * Moves a dropped forecast's observed intervals (its `earlierObserved` and `observed`) into
 * the next forecast of the same crossing, oldest first, without repeating an interval the
 * next one already carries. Only intervals before the next forecast's own interval are
 * kept, and at most 96 (the schema's limit): `lost` counts those that did not fit.
 * The result is unsigned content: the caller re-signs it.
 */
export function carryObservationsForward(dropped: ForecastMessage, next: ForecastMessage): { message: ForecastMessage; lost: number } {
  const basedOnMs = Date.parse(next.basedOnIntervalStart);
  const byInterval = new Map<number, ObservedInterval>();
  for (const observed of [...(dropped.earlierObserved ?? []), dropped.observed, ...(next.earlierObserved ?? [])]) {
    const startMs = Date.parse(observed.intervalStart);
    if (startMs < basedOnMs) byInterval.set(startMs, observed);
  }
  const all = [...byInterval.entries()].sort(([a], [b]) => a - b).map(([, o]) => o);
  const kept = all.slice(-MAX_CARRIED_OBSERVATIONS);
  return { message: { ...next, earlierObserved: kept }, lost: all.length - kept.length };
}
