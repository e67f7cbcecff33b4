import { z } from 'zod';

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
