/**
 * What the service benchmarks (bench:pipeline, bench:dashboard) share: the local servers'
 * addresses, a free loopback port, the compiled fusion service started as a child process
 * (its own RSS and CPU) and waited for until healthy, and throwaway databases and names.
 *
 * BENCH_DEBUG=1 passes fusion's log through; BENCH_FUSION_NODE_ARGS adds Node options to the
 * fusion processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": Node refuses --cpu-prof in
 * NODE_OPTIONS; a large city's profile needs more than the default 10 s between SIGTERM and
 * SIGKILL to be written: BENCH_STOP_GRACE_S=120).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { Client } from 'pg';
import { FUSION_NODE_ARGS } from '../apps/fusion/src/node-options';

export const ROOT = path.resolve(__dirname, '..', '..');
export const POSTGRES_URL = (process.env.DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/$/, '');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const unique = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;

export interface FusionProcess {
  child: ChildProcess;
  baseUrl: string;
  /** The last 200 lines fusion wrote. */
  log: () => string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the compiled fusion service on a free loopback port and waits (at most 3 minutes) until /health answers. */
export async function startFusion(env: Record<string, string>): Promise<FusionProcess> {
  const port = await freePort();
  const lines: string[] = [];
  const nodeArgs = fusionNodeArgs();
  const child = spawn(process.execPath, [...nodeArgs, '-r', path.join(ROOT, 'tools/register-aliases.js'), path.join(ROOT, 'dist/apps/fusion/src/main.js')], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    if (process.env.BENCH_DEBUG) process.stderr.write(chunk);
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`fusion exited (${child.exitCode}):\n${lines.slice(-20).join('\n')}`);
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`fusion did not become healthy:\n${lines.slice(-20).join('\n')}`);
    await sleep(300);
  }
  return { child, baseUrl, log: () => lines.join('\n') };
}

export async function dropDatabase(name: string): Promise<void> {
  const client = new Client({ connectionString: `${POSTGRES_URL}/postgres` });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Stops a fusion process: SIGTERM (it saves its state on the way out), SIGKILL after `graceMs`. */
/** The fusion processes' Node options: as deployed (apps/fusion/src/node-options.ts), then BENCH_FUSION_NODE_ARGS (a later flag wins). */
export function fusionNodeArgs(): string[] {
  return [...FUSION_NODE_ARGS, ...(process.env.BENCH_FUSION_NODE_ARGS ?? '').split(' ').filter(Boolean)];
}

export async function stopFusion(fusion: FusionProcess, graceMs = Number(process.env.BENCH_STOP_GRACE_S ?? 10) * 1000): Promise<void> {
  if (fusion.child.exitCode !== null) return;
  fusion.child.kill('SIGTERM');
  await Promise.race([new Promise((r) => fusion.child.once('exit', r)), sleep(graceMs)]);
  if (fusion.child.exitCode === null) fusion.child.kill('SIGKILL');
}

/** Empties and closes a run's queues, deletes every key under its prefix and closes the connection. */
export async function dropQueues(redis: IORedis, prefix: string, queues: Queue[]): Promise<void> {
  for (const queue of queues) {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
  const keys = await redis.keys(`${prefix}:*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  redis.disconnect();
}
