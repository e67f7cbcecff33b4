import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '@crosscast/runtime';
import { DEV_ADMIN_PASSWORD, DEV_JWT_SECRET, readFusionConfig } from './config';
import { readEdgeWorkerConfig } from '../../edge-worker/src/config';
import { recordSecurityCheck } from '../../../test/support/security-results';

describe('configuration', () => {
  it('works with no variables at all (local defaults)', () => {
    const config = readFusionConfig({});
    expect(config).toMatchObject({ PORT: 3000, REDIS_URL: 'redis://127.0.0.1:6379', STALE_AFTER_INTERVALS: 2 });
  });

  it('refuses development signing keys in production, for fusion and workers', () => {
    expect(() => readFusionConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => readFusionConfig({ NODE_ENV: 'production' })).toThrow(/WORKER_KEYS_FILE: required when NODE_ENV=production/);
    expect(() => readFusionConfig({ NODE_ENV: 'production', WORKER_KEYS_FILE: '/run/secrets/worker_keys' })).toThrow(/SIMULATOR_KEY_FILE: required when NODE_ENV=production/);
    expect(readFusionConfig({ NODE_ENV: 'production', WORKER_KEYS_FILE: '/run/secrets/worker_keys', SIMULATOR_KEY_FILE: '/run/secrets/simulator_key', JWT_SECRET: 'q7Vb2-LxN9sKd4TfWm0ZrYc8Hj3Ue6PaGo1Iv5Bn_Es', ADMIN_PASSWORD: 'tram-stop-quartz-47' }).WORKER_KEYS_FILE).toBe('/run/secrets/worker_keys');
    expect(() => readEdgeWorkerConfig({ NODE_ENV: 'production', CROSSING_ID: '0970' })).toThrow(/WORKER_KEYS_FILE: required/);
  });

  it('has recommendation and automatic-mode defaults, and refuses bad or contradictory values', () => {
    expect(readFusionConfig({})).toMatchObject({
      PLANNING_PERIOD_MINUTES: 15,
      PLANNING_HORIZON_MINUTES: 60,
      MIN_GAIN_SECONDS: 2,
      MIN_GAIN_SHARE: 0.05,
      AUTOMATIC_MIN_CYCLE_SECONDS: 30,
      AUTOMATIC_MAX_CYCLE_SECONDS: 120,
      AUTOMATIC_MAX_CYCLE_CHANGE_SHARE: 0.2,
      AUTOMATIC_MAX_GREEN_CHANGE_SHARE: 0.25,
      AUTOMATIC_MIN_MINUTES_BETWEEN_CHANGES: 30,
    });
    expect(() => readFusionConfig({ MIN_GAIN_SHARE: '1.5', PLANNING_PERIOD_MINUTES: '0' })).toThrow(/PLANNING_PERIOD_MINUTES: [\s\S]*MIN_GAIN_SHARE: /);
    expect(() => readFusionConfig({ AUTOMATIC_MIN_CYCLE_SECONDS: '90', AUTOMATIC_MAX_CYCLE_SECONDS: '60' })).toThrow(/AUTOMATIC_MIN_CYCLE_SECONDS: must not exceed AUTOMATIC_MAX_CYCLE_SECONDS \(60\)/);
  });

  it('reads Redis and database passwords from secret files, and refuses password-less ones off loopback in production', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-creds-'));
    try {
      fs.writeFileSync(path.join(dir, 'redis'), 'r3dis/p@ss\n');
      fs.writeFileSync(path.join(dir, 'pg'), 'pg-secret\n');
      const config = readFusionConfig({
        REDIS_URL: 'redis://redis:6379',
        REDIS_USERNAME: 'fusion',
        REDIS_PASSWORD_FILE: path.join(dir, 'redis'),
        DATABASE_URL: 'postgres://crosscast@postgres:5432/crosscast',
        DATABASE_PASSWORD_FILE: path.join(dir, 'pg'),
      });
      const redis = new URL(config.REDIS_URL);
      expect([redis.username, decodeURIComponent(redis.password), redis.hostname]).toEqual(['fusion', 'r3dis/p@ss', 'redis']);
      expect(decodeURIComponent(new URL(config.DATABASE_URL).password)).toBe('pg-secret');
      expect(() => readFusionConfig({ REDIS_PASSWORD_FILE: path.join(dir, 'missing') })).toThrow(/REDIS_PASSWORD_FILE .*missing/);
      const production = { NODE_ENV: 'production', WORKER_KEYS_FILE: '/k', SIMULATOR_KEY_FILE: '/s', JWT_SECRET: 'q7Vb2-LxN9sKd4TfWm0ZrYc8Hj3Ue6PaGo1Iv5Bn_Es', ADMIN_PASSWORD: 'tram-stop-quartz-47' };
      expect(() => readFusionConfig({ ...production, REDIS_URL: 'redis://redis:6379' })).toThrow(/REDIS_URL: redis is reached without a password/);
      expect(() => readFusionConfig({ ...production, DATABASE_URL: 'postgres://crosscast@db:5432/crosscast' })).toThrow(/DATABASE_URL: db is reached without a password/);
      // This machine's own servers (loopback) may run without one.
      expect(readFusionConfig(production).production).toBe(true);
      expect(() => readEdgeWorkerConfig({ NODE_ENV: 'production', CROSSING_ID: '0970', WORKER_KEYS_FILE: '/k', REDIS_URL: 'redis://redis:6379' })).toThrow(/REDIS_URL: redis is reached without a password/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names every bad variable in one message', () => {
    expect(() => readFusionConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' })).toThrow(/PORT: [\s\S]*DATABASE_URL: must be a URL starting with postgres:/);
  });

  describe('operator access in production', () => {
    const keys = { NODE_ENV: 'production', WORKER_KEYS_FILE: '/run/secrets/worker_keys', SIMULATOR_KEY_FILE: '/run/secrets/simulator_key' };
    // A secret as npm run secrets:generate makes it, and a password the policy allows.
  const goodSecret = 'q7Vb2-LxN9sKd4TfWm0ZrYc8Hj3Ue6PaGo1Iv5Bn_Es';
  const goodPassword = 'tram-stop-quartz-47';
  const good = { ...keys, JWT_SECRET: goodSecret, ADMIN_PASSWORD: goodPassword };
    const problems = (env: Record<string, string>) => {
      try {
        readFusionConfig(env);
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message.split('\n').slice(1).map((line) => line.trim());
      }
    };

    it('starts with a real secret and admin password', () => {
      expect(readFusionConfig(good)).toMatchObject({ production: true, JWT_SECRET: goodSecret, ADMIN_PASSWORD: goodPassword, TOKEN_TTL: 8 * 3600 });
    });

    it('refuses a missing, short or development JWT secret, one line each', () => {
      expect(problems({ ...good, JWT_SECRET: '' })).toEqual([expect.stringMatching(/^JWT_SECRET: required when NODE_ENV=production/)]);
      expect(problems({ ...good, JWT_SECRET: 'short-secret' })).toEqual(['JWT_SECRET: must be at least 32 characters (it is 12)']);
      expect(problems({ ...good, JWT_SECRET: DEV_JWT_SECRET })).toEqual([expect.stringMatching(/^JWT_SECRET: is the development default/)]);
      // Long but predictable: 32 × a, or a repeated word.
      expect(problems({ ...good, JWT_SECRET: 'a'.repeat(32) })).toEqual([expect.stringMatching(/^JWT_SECRET: is too predictable/)]);
      expect(problems({ ...good, JWT_SECRET: 'secret'.repeat(8) })).toEqual([expect.stringMatching(/^JWT_SECRET: is too predictable/)]);      recordSecurityCheck({
        finding: 6,
        attack: "production start with JWT_SECRET = 32 × 'a', 'secret' × 8, the development default, 12 characters",
        expected: 'refused at start, one line naming the problem',
        observed: problems({ ...good, JWT_SECRET: 'a'.repeat(32) })[0],
        test: 'apps/fusion/src/config.spec.ts',
      });
    });

    it('accepts only the exact spelling of NODE_ENV, so a typo never means development', () => {
      for (const spelling of ['Production', 'prod', ' production', 'PRODUCTION', 'staging']) {
        expect(() => readFusionConfig({ ...good, NODE_ENV: spelling })).toThrow(/NODE_ENV: must be exactly one of development, test, production/);
        expect(() => readEdgeWorkerConfig({ NODE_ENV: spelling, CROSSING_ID: '0970' })).toThrow(/NODE_ENV/);
      }
      expect(readFusionConfig({ NODE_ENV: 'test' }).production).toBe(false);      recordSecurityCheck({
        finding: 2,
        attack: "NODE_ENV 'Production', 'prod', ' production', 'PRODUCTION', 'staging'",
        expected: 'refused at start (never silently development)',
        observed: 'all five refused: "NODE_ENV: must be exactly one of development, test, production"',
        test: 'apps/fusion/src/config.spec.ts',
      });
    });

    it('listens on loopback unless told otherwise, and on every interface in production', () => {
      expect(readFusionConfig({}).LISTEN_HOST).toBe('127.0.0.1');
      expect(readFusionConfig({ HOST: '0.0.0.0' }).LISTEN_HOST).toBe('0.0.0.0');
      expect(readFusionConfig(good).LISTEN_HOST).toBe('0.0.0.0');
      expect(readFusionConfig({ ...good, HOST: '10.0.0.5' }).LISTEN_HOST).toBe('10.0.0.5');
      expect(readEdgeWorkerConfig({ CROSSING_ID: '0970' }).LISTEN_HOST).toBe('127.0.0.1');      recordSecurityCheck({
        finding: 2,
        attack: 'reach a development fusion or worker (public development secrets) from the network',
        expected: 'development binds loopback unless HOST says otherwise',
        observed: `fusion ${readFusionConfig({}).LISTEN_HOST}, worker ${readEdgeWorkerConfig({ CROSSING_ID: '0970' }).LISTEN_HOST}; production ${readFusionConfig(good).LISTEN_HOST} behind the proxy`,
        test: 'apps/fusion/src/config.spec.ts',
      });
    });

    it('refuses a missing, default or short admin password, one line each, together with the other problems', () => {
      expect(problems({ ...good, ADMIN_PASSWORD: '' })).toEqual([expect.stringMatching(/^ADMIN_PASSWORD: required when NODE_ENV=production/)]);
      expect(problems({ ...good, ADMIN_PASSWORD: DEV_ADMIN_PASSWORD })).toEqual([expect.stringMatching(/^ADMIN_PASSWORD: is a development default/)]);
      expect(problems({ ...good, ADMIN_PASSWORD: 'crosscast-operator' })).toEqual([expect.stringMatching(/^ADMIN_PASSWORD: is a development default/)]);
      expect(problems({ ...good, ADMIN_PASSWORD: 'too-short' })).toEqual(['ADMIN_PASSWORD: must be at least 12 characters']);
      expect(problems({ ...good, ADMIN_PASSWORD: 'a'.repeat(12) })).toEqual([expect.stringMatching(/^ADMIN_PASSWORD: must use at least 5 different characters/)]);
      expect(problems({ ...good, ADMIN_PASSWORD: 'my-admin-password' })).toEqual(['ADMIN_PASSWORD: must not contain the username']);
      expect(problems({ ...good, ADMIN_USERNAME: 'chief', ADMIN_PASSWORD: 'my-admin-password' })).toEqual([]);
      expect(problems({ NODE_ENV: 'production', WORKER_KEYS_FILE: 'x', SIMULATOR_KEY_FILE: 'y' })).toEqual([expect.stringMatching(/^JWT_SECRET: required/), expect.stringMatching(/^ADMIN_PASSWORD: required/)]);
    });

    it('reads the secrets from files (compose secrets) and names a file it cannot read', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscast-secrets-'));
      try {
        fs.writeFileSync(path.join(dir, 'jwt'), `${goodSecret}\n`);
        fs.writeFileSync(path.join(dir, 'admin'), 'from-a-file-password\n');
        const config = readFusionConfig({ ...keys, JWT_SECRET_FILE: path.join(dir, 'jwt'), ADMIN_PASSWORD_FILE: path.join(dir, 'admin') });
        expect([config.JWT_SECRET, config.ADMIN_PASSWORD]).toEqual([goodSecret, 'from-a-file-password']);
        expect(problems({ ...good, JWT_SECRET_FILE: path.join(dir, 'missing') })).toEqual([expect.stringMatching(/^JWT_SECRET_FILE: cannot read .*missing \(ENOENT\)/), expect.stringMatching(/^JWT_SECRET: required/)]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('keeps working development defaults, and checks TTL and CORS origins', () => {
      expect(readFusionConfig({})).toMatchObject({ production: false, JWT_SECRET: DEV_JWT_SECRET, ADMIN_PASSWORD: DEV_ADMIN_PASSWORD, CORS_ORIGINS: [] });
      expect(readFusionConfig({ TOKEN_TTL: '30m', CORS_ORIGINS: 'https://ops.example.org, http://127.0.0.1:5173' })).toMatchObject({
        TOKEN_TTL: 1800,
        CORS_ORIGINS: ['https://ops.example.org', 'http://127.0.0.1:5173'],
      });
      expect(() => readFusionConfig({ TOKEN_TTL: 'forever' })).toThrow(/TOKEN_TTL: must be a duration/);
      expect(() => readFusionConfig({ CORS_ORIGINS: 'https://ops.example.org/dashboard' })).toThrow(/CORS_ORIGINS: "https:\/\/ops.example.org\/dashboard" is not an origin/);
      expect(() => readFusionConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
    });
  });
});
