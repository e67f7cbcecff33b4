/**
 * What bench:pipeline's phases share: the grid size for a crossing count, signed forecasts
 * and heartbeats as the workers send them (development keys), a process's RSS and CPU, and
 * socket clients following a sample of crossings (enqueue → `forecast` event latency).
 */
import * as fs from 'node:fs';
import { io, Socket } from 'socket.io-client';
import { CrossingDefinition, ForecastMessage, HeartbeatMessage, UnsignedForecastMessage, DEV_WORKER_KEY_SEED, deriveWorkerKey, signMessage } from '@crosscast/contracts';

/** rows x cols with rows * cols = n (square, or twice as wide). */
export function gridOf(n: number): string | null {
  const r = Math.round(Math.sqrt(n));
  if (r * r === n) return `${r}x${r}`;
  const h = Math.round(Math.sqrt(n / 2));
  return h * h * 2 === n ? `${h}x${2 * h}` : null;
}

export const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
export const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * A signed forecast as a worker sends it (4 horizons, every approach, the observed interval):
 * 60 vehicles per approach and interval, times `level` (the dashboard bench varies it by
 * crossing and hour so the map has something to show).
 */
export function forecastFor(c: CrossingDefinition, basedOnMs: number, seq: number, intervalMinutes: number, level = 1): ForecastMessage {
  const band = (mean: number) => ({ mean, lower80: mean * 0.8, upper80: mean * 1.2, lower95: mean * 0.7, upper95: mean * 1.3 });
  const ids = c.approaches.map((a) => a.id);
  const basedOn = new Date(basedOnMs).toISOString();
  const unsigned: UnsignedForecastMessage = {
    v: 1,
    messageId: `${c.id}:${basedOn}`,
    crossingId: c.id,
    seq,
    sentAt: new Date().toISOString(),
    basedOnIntervalStart: basedOn,
    intervalMinutes,
    model: { name: 'residual-ensemble', version: 1, backend: 'wasm', trainedOnIntervals: 672 },
    horizons: [1, 2, 3, 4].map((step) => ({
      stepsAhead: step,
      horizonMinutes: step * intervalMinutes,
      intervalStart: new Date(basedOnMs + step * intervalMinutes * 60_000).toISOString(),
      total: band(60 * level * ids.length + step),
      approaches: Object.fromEntries(ids.map((id) => [id, band(60 * level + step)])),
    })),
    observed: { intervalStart: basedOn, total: Math.round(60 * level * ids.length), approaches: Object.fromEntries(ids.map((id) => [id, Math.round(60 * level)])), filledShare: 0 },
    quality: { realInputShare: 1, flags: [] },
  };
  return signMessage(unsigned, deriveWorkerKey(DEV_WORKER_KEY_SEED, c.id));
}

export function heartbeatFor(c: CrossingDefinition, seq: number): HeartbeatMessage {
  return signMessage(
    { v: 1 as const, crossingId: c.id, seq, sentAt: new Date().toISOString(), status: 'ok' as const, model: null, historyIntervals: 672, lastIntervalStart: null, training: false, bufferedMessages: 0 },
    deriveWorkerKey(DEV_WORKER_KEY_SEED, c.id),
  );
}

export function rssMb(pid: number): number {
  try {
    const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.replace(/\D+/g, '')) / 1024 : NaN;
  } catch {
    return NaN;
  }
}


/** CPU seconds (user + system, all threads) in a /proc/<pid>/stat line, and its command name. */
function parseStat(stat: string): { comm: string; cpuSeconds: number } {
  // The command name is in parentheses and may itself hold spaces or ')'.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name).
  return { comm: stat.slice(stat.indexOf('(') + 1, close), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 };
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  try {
    return parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')).cpuSeconds;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds (user + system) of every running process whose command name is `comm`
 * (`postgres` for the server and all its backends, `redis-server`): what the shared
 * servers spent, read from /proc. A process that exits between two readings takes its
 * time with it, so a difference is a lower bound.
 */
export function cpuSecondsOfCommand(comm: string): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseStat(fs.readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat.comm === comm) total += stat.cpuSeconds;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** The whole machine's busy CPU seconds since boot (all cores, /proc/stat; idle and iowait excluded). */
export function machineBusyCpuSeconds(): number {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return (fields.reduce((a, b) => a + b, 0) - fields[3] - fields[4]) / 100;
  } catch {
    return NaN;
  }
}

/** Socket clients following `sample`'s rooms (32 a socket, spread over `baseUrls`): each `forecast` event is passed to `onForecast`. */
export async function followSample(baseUrls: string[], token: string, sample: CrossingDefinition[], onForecast: (messageId: string) => void): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < sample.length; i += ROOMS_PER_SOCKET) {
    // Spread over the instances: an event stored by one reaches another's clients through the fusion feed.
    const socket = io(baseUrls[(i / ROOMS_PER_SOCKET) % baseUrls.length], { transports: ['websocket'], auth: { token }, reconnection: false });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    for (const c of sample.slice(i, i + ROOMS_PER_SOCKET)) {
      const reply = (await socket.emitWithAck('subscribe-crossing', { crossingId: c.id })) as { ok: boolean; error?: string };
      if (!reply.ok) throw new Error(`subscribe-crossing ${c.id}: ${reply.error}`);
    }
    socket.on('forecast', (f: { messageId: string }) => onForecast(f.messageId));
  }
  return sockets;
}

/** `size` crossings spread evenly over `crossings` (which are enqueued in this order: the first ones would see only the head of each round). */
export function spreadSample<T>(crossings: T[], size: number): T[] {
  const every = Math.max(1, Math.floor(crossings.length / size));
  return crossings.filter((_, i) => i % every === 0).slice(0, size);
}

const ROOMS_PER_SOCKET = 32;
