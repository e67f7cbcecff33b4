import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { eventually, freePort } from './infrastructure';

/**
 * Private Redis and PostgreSQL servers for the fault tests, on free loopback ports in a
 * temp dir. The shared servers on 6379/5432 are never stopped, restarted or blocked: the
 * tests that take a server down take down their own.
 */

export interface OwnRedis {
  url: string;
  port: number;
  /** Orderly stop (SIGTERM: Redis writes its append-only file and exits). */
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * redis-server with append-only persistence, as docker-compose.yml runs it (appendfsync
 * everysec). `extraArgs` adds server options (an --aclfile); `readyAs` is a user:password
 * to check readiness with when the default user is off.
 */
export async function startOwnRedis(options: { extraArgs?: string[]; readyAs?: string } = {}): Promise<OwnRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--dir', dir, '--logfile', path.join(dir, 'redis.log'), ...(options.extraArgs ?? [])], {
      stdio: 'ignore',
    });
    await eventually(async () => {
      const readyUrl = options.readyAs ? `redis://${options.readyAs}@127.0.0.1:${port}` : url;
      const client = new IORedis(readyUrl, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
      client.on('error', () => undefined);
      try {
        await client.connect();
        // Ready means the append-only file has been loaded.
        return (await client.ping()) === 'PONG' && (await client.info('persistence')).includes('loading:0');
      } finally {
        client.disconnect();
      }
    }, `own redis on ${port}`, 20_000);
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exit = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
  };
  await start();
  return {
    url,
    port,
    stop,
    start,
    async destroy() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface OwnPostgres {
  /** Server URL without a database name (append `/<db>`). */
  url: string;
  port: number;
  /** `pg_ctl stop -m fast`: connections are cut, the server is gone until start(). */
  stop(): void;
  start(): void;
  destroy(): void;
}

const PG_BIN = process.env.TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A private PostgreSQL cluster (initdb, trust auth, loopback only), run as the postgres OS user. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-pg-'));
  const dataDir = path.join(dir, 'data');
  const asPostgres = (args: string[]) => {
    // We run as root; PostgreSQL refuses to run as root, so its commands run as "postgres".
    const command = process.getuid?.() === 0 ? 'runuser' : args[0];
    const argv = process.getuid?.() === 0 ? ['-u', 'postgres', '--', ...args] : args.slice(1);
    return execFileSync(command, argv, { stdio: 'pipe', timeout: 60_000 });
  };
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  asPostgres([`${PG_BIN}/initdb`, '-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const start = () => {
    asPostgres([`${PG_BIN}/pg_ctl`, '-D', dataDir, '-o', options, '-l', path.join(dir, 'postgres.log'), '-w', '-t', '30', 'start']);
  };
  const stop = () => {
    try {
      asPostgres([`${PG_BIN}/pg_ctl`, '-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
    } catch {
      /* already stopped */
    }
  };
  start();
  const url = `postgres://postgres@127.0.0.1:${port}`;
  await eventually(async () => {
    const ds = new DataSource({ type: 'postgres', url: `${url}/postgres` });
    await ds.initialize();
    await ds.destroy();
    return true;
  }, `own postgres on ${port}`, 20_000);
  return {
    url,
    port,
    stop,
    start,
    destroy() {
      stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
