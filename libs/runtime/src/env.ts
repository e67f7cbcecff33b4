import * as fs from 'node:fs';
import { z } from 'zod/v4';

/**
 * Reads and validates configuration from environment variables at start-up. Every
 * variable has a working local default; a bad value stops the process with one clear
 * line per problem instead of failing later.
 */
export function readEnvConfig<T extends z.ZodRawShape>(appName: string, shape: T, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<T>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new ConfigError(`${appName}: invalid configuration\n${problems}`);
  }
  return result.data;
}

export class ConfigError extends Error {}

export const envInt = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);
export const envNumber = (fallback: number, min: number, max: number) => z.coerce.number().min(min).max(max).default(fallback);
export const envUrl = (fallback: string, protocols: string[]) =>
  z
    .string()
    .default(fallback)
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.join(' or ')}//`);

export function redisConnectionOptions(redisUrl: string) {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname && url.pathname !== '/' ? Number(url.pathname.slice(1)) : 0,
  };
}

/**
 * The run modes a service knows. Anything else (`Production`, `prod`, ` production`)
 * refuses to start: a typo must never quietly mean development, with its public secrets.
 */
export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export const envNodeEnv = () =>
  z
    .string()
    .default('development')
    .refine((value): value is NodeEnv => (NODE_ENVS as readonly string[]).includes(value), {
      message: `must be exactly one of ${NODE_ENVS.join(', ')} (lower case, no spaces); unset means development`,
    })
    .transform((value) => value as NodeEnv);

/**
 * The address a service binds to: what HOST says, else loopback outside production (the
 * development defaults are public, so they must not be reachable from the network) and
 * all interfaces in production (a container behind its proxy).
 */
export function listenHost(host: string | undefined, nodeEnv: NodeEnv): string {
  if (host && host.trim()) return host.trim();
  return nodeEnv === 'production' ? '0.0.0.0' : '127.0.0.1';
}

/**
 * A connection URL with credentials filled in from secrets: `username` (REDIS_USERNAME, a
 * Redis ACL user) and the first line of `passwordFile` (REDIS_PASSWORD_FILE,
 * DATABASE_PASSWORD_FILE: a compose secret). Passwords stay out of the environment and out
 * of docker-compose.yml. Without either, the URL is returned unchanged.
 */
export function withSecretCredentials(connectionUrl: string, variable: string, options: { username?: string; passwordFile?: string }, readFile: (file: string) => string): string {
  if (!options.username && !options.passwordFile) return connectionUrl;
  const url = new URL(connectionUrl);
  if (options.username) url.username = encodeURIComponent(options.username);
  if (options.passwordFile) {
    let password: string;
    try {
      password = readFile(options.passwordFile).split(/\r?\n/)[0] ?? '';
    } catch (error) {
      throw new ConfigError(`${variable} ${options.passwordFile}: ${(error as Error).message}`);
    }
    if (!password) throw new ConfigError(`${variable} ${options.passwordFile}: the file is empty`);
    url.password = encodeURIComponent(password);
  }
  return url.toString();
}

/** The environment variables naming a service's Redis ACL user and its password's file. */
export const redisCredentialEnv = {
  /** A Redis ACL user (compose: fusion, worker, simulator); unset = the URL's, else default. */
  REDIS_USERNAME: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, ".", "-" or "_"').optional(),
  /** A file whose first line is that user's password (a compose secret). */
  REDIS_PASSWORD_FILE: z.string().min(1).optional(),
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/**
 * REDIS_URL with REDIS_USERNAME and REDIS_PASSWORD_FILE applied. In production a Redis
 * reached over the network must ask for a password: it carries signed forecasts, timing
 * plans and the detector streams, and anyone who can write there reaches the street.
 */
export function resolveRedisUrl(
  appName: string,
  config: { REDIS_URL: string; REDIS_USERNAME?: string; REDIS_PASSWORD_FILE?: string },
  production: boolean,
  readFile: (file: string) => string = (file) => fs.readFileSync(file, 'utf8'),
): string {
  const url = withSecretCredentials(config.REDIS_URL, 'REDIS_PASSWORD_FILE', { username: config.REDIS_USERNAME, passwordFile: config.REDIS_PASSWORD_FILE }, readFile);
  requirePasswordOffLoopback(appName, 'REDIS_URL', url, production, 'set REDIS_PASSWORD_FILE (npm run secrets:generate writes the Redis ACL and passwords)');
  return url;
}

/** Refuses, in production, a connection URL without a password to a host that is not this machine. */
export function requirePasswordOffLoopback(appName: string, variable: string, connectionUrl: string, production: boolean, hint: string): void {
  const url = new URL(connectionUrl);
  if (production && !url.password && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ConfigError(`${appName}: invalid configuration\n  ${variable}: ${url.hostname} is reached without a password, refused when NODE_ENV=production; ${hint}`);
  }
}

/** A connection URL with any password replaced by ***, for logs. */
export function redactUrl(connectionUrl: string): string {
  try {
    const url = new URL(connectionUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(invalid URL)';
  }
}
