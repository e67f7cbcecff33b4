import { type KeyObject, createSecretKey } from 'node:crypto';
import * as fs from 'node:fs';
import { z } from 'zod/v4';
import { ConfigError } from '@crosscast/runtime';
import { passwordProblem, secretProblem } from './credential-policy';

/**
 * Development defaults for operator access. They are in the source code, so they are not
 * secrets: with NODE_ENV=production fusion refuses to start on them (resolveAccessSecrets).
 */
export const DEV_JWT_SECRET = 'crosscast-development-jwt-secret-do-not-use-in-production';
export const DEV_ADMIN_PASSWORD = 'crosscast-admin';
/** The users created in development so `npm run demo` can be used at once (README lists them). */
export const DEV_USERS = [
  { username: 'admin', displayName: 'Development admin', role: 'admin', password: DEV_ADMIN_PASSWORD },
  { username: 'operator', displayName: 'Development operator', role: 'operator', password: 'crosscast-operator' },
  { username: 'viewer', displayName: 'Development viewer', role: 'viewer', password: 'crosscast-viewer' },
] as const;

/** "8h", "30m", "90s", "2d" or a plain number of seconds → seconds. */
export function parseDuration(value: string, ctx: z.RefinementCtx): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'] : NaN;
  if (!Number.isFinite(seconds) || seconds < 60 || seconds > 30 * 86400) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a duration from 60 s to 30 d, e.g. 8h, 30m, 3600' });
    return z.NEVER;
  }
  return seconds;
}

/** "https://ops.example.org, http://127.0.0.1:5173" → exact origins (scheme, host, port). */
export function parseOrigins(value: string, ctx: z.RefinementCtx): string[] {
  const origins: string[] = [];
  for (const item of value.split(',').map((v) => v.trim()).filter(Boolean)) {
    let origin: string | null = null;
    try {
      const url = new URL(item);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === item.replace(/\/$/, '')) origin = url.origin;
    } catch {
      origin = null;
    }
    if (!origin) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${item}" is not an origin like https://ops.example.org (scheme, host and optional port, no path)` });
      return z.NEVER;
    }
    origins.push(origin);
  }
  return origins;
}

interface SecretInputs {
  JWT_SECRET?: string;
  JWT_SECRET_FILE?: string;
  ADMIN_PASSWORD?: string;
  ADMIN_PASSWORD_FILE?: string;
  ADMIN_USERNAME: string;
}

/**
 * The JWT secret and the bootstrap admin password, from the variable or from the file
 * it names (compose secrets). In production both must be given, the secret random enough
 * (credential-policy.ts) and the password allowed by the password policy (which also
 * denies the public development passwords): each problem is one line, all reported together.
 */
export function resolveAccessSecrets(appName: string, production: boolean, input: SecretInputs): { JWT_SECRET: string; ADMIN_PASSWORD: string } {
  const problems: string[] = [];
  const read = (name: 'JWT_SECRET' | 'ADMIN_PASSWORD'): string | undefined => {
    const file = input[`${name}_FILE`];
    if (!file) return input[name] || undefined;
    try {
      return fs.readFileSync(file, 'utf8').trim() || undefined;
    } catch (error) {
      problems.push(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      return undefined;
    }
  };
  const jwtSecret = read('JWT_SECRET');
  const adminPassword = read('ADMIN_PASSWORD');
  if (production) {
    if (!jwtSecret) problems.push('JWT_SECRET: required when NODE_ENV=production (or JWT_SECRET_FILE); make one with npm run secrets:generate');
    else if (jwtSecret === DEV_JWT_SECRET) problems.push('JWT_SECRET: is the development default, which is public; set a random secret');
    else {
      const weak = secretProblem(jwtSecret);
      if (weak) problems.push(`JWT_SECRET: ${weak}`);
    }
    if (!adminPassword) problems.push('ADMIN_PASSWORD: required when NODE_ENV=production (or ADMIN_PASSWORD_FILE): the first admin is created with it');
    else if ((DEV_USERS as ReadonlyArray<{ password: string }>).some((u) => u.password === adminPassword)) problems.push('ADMIN_PASSWORD: is a development default, which is public; choose another');
    else {
      const weak = passwordProblem(adminPassword, input.ADMIN_USERNAME);
      if (weak) problems.push(`ADMIN_PASSWORD: ${weak}`);
    }
  }
  if (problems.length) throw new ConfigError(`${appName}: invalid configuration\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return { JWT_SECRET: jwtSecret ?? DEV_JWT_SECRET, ADMIN_PASSWORD: adminPassword ?? DEV_ADMIN_PASSWORD };
}

/**
 * The HS256 key as a KeyObject, made once. Given the secret as a string, jsonwebtoken tries
 * every verify (every REST call and socket sign-in) to parse it as a PEM public key first and
 * falls back to a secret key after the exception: 0.5-0.7 ms a verify on this machine under
 * load, against 8-40 µs with the key made once.
 */
export function jwtKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}
