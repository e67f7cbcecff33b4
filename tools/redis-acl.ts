/**
 * The Redis ACL of a deployment: one user per role, the default user off. Each role may
 * touch only the keys of its own links (BullMQ keeps a queue under `<prefix>:<queue>:*`):
 *
 * - fusion: everything under the prefix (it consumes forecasts, heartbeats, model snapshots
 *   and reports, publishes timing plans and the city's warm starts, keeps dead letters and
 *   the login throttle);
 * - worker: publishes to the forecast, heartbeat and model-snapshot queues, reads the
 *   detector streams and the warm starts fusion publishes (`<prefix>:warm-start:*`); it
 *   cannot write either, nor touch timing plans or reports;
 * - simulator: writes the detector streams, consumes timing plans, publishes reports.
 *
 * Commands: everything but the dangerous ones (FLUSHALL, KEYS, CONFIG, DEBUG…), plus INFO,
 * which BullMQ reads for the server version. Passwords are stored as SHA-256 hashes, so the
 * ACL file alone does not reveal them.
 */
import { createHash } from 'node:crypto';
import { FORECAST_QUEUE, HEARTBEAT_QUEUE, MODEL_SNAPSHOT_QUEUE, SIGNAL_EVENT_LOG_QUEUE, SIMULATION_REPORT_QUEUE, TIMING_PLAN_QUEUE, WARM_START_KEY_SEGMENT } from '@crosscast/contracts';

export const REDIS_ROLES = ['fusion', 'worker', 'simulator'] as const;
export type RedisRole = (typeof REDIS_ROLES)[number];

const COMMANDS = '+@all -@dangerous +info';

/** The key patterns each role may use, for a queue and stream prefix (QUEUE_PREFIX = STREAM_PREFIX). */
export function redisRoleKeyPatterns(prefix: string): Record<RedisRole, string[]> {
  const queue = (name: string) => `~${prefix}:${name}:*`;
  return {
    fusion: [`~${prefix}:*`],
    // %R~: read only. The worker reads its crossing's stream (only the street writes it) and
    // the city's warm start (only fusion writes it; each is also signed per crossing).
    worker: [queue(FORECAST_QUEUE), queue(HEARTBEAT_QUEUE), queue(MODEL_SNAPSHOT_QUEUE), `%R~${prefix}:detector:*`, `%R~${prefix}:${WARM_START_KEY_SEGMENT}:*`],
    simulator: [queue(TIMING_PLAN_QUEUE), queue(SIMULATION_REPORT_QUEUE), queue(SIGNAL_EVENT_LOG_QUEUE), `~${prefix}:detector:*`],
  };
}

/** The ACL file text (redis-server --aclfile) for these passwords. */
export function renderRedisAcl(passwords: Record<RedisRole, string>, prefix = 'crosscast'): string {
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) throw new Error(`queue prefix ${JSON.stringify(prefix)} must be letters, digits, "-" or "_"`);
  const patterns = redisRoleKeyPatterns(prefix);
  const lines = ['user default off'];
  for (const role of REDIS_ROLES) {
    const password = passwords[role];
    if (!password || /\s/.test(password)) throw new Error(`the ${role} Redis password must be non-empty without spaces`);
    const hash = createHash('sha256').update(password).digest('hex');
    // Only fusion may use pub/sub channels (for sharing events between fusion instances).
    const channels = role === 'fusion' ? 'allchannels' : 'resetchannels';
    lines.push(`user ${role} on #${hash} ${channels} ${patterns[role].join(' ')} ${COMMANDS}`);
  }
  return `${lines.join('\n')}\n`;
}
