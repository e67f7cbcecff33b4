import { MigrationInterface, QueryRunner } from 'typeorm';

/** A timestamptz as the server writes it into alert keys (`Date.toISOString()`: UTC, milliseconds, `Z`). */
const isoOf = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Acknowledgements stored under the alert keys used before per-episode keys
 * (AlertEpisodes1765840000000) are carried over to the key of the same alert now, so an
 * upgrade does not bring back alerts an operator had acknowledged:
 * - drift, old key `drift:<crossing>` (no episode: it matched whatever drift was on): moved
 *   to `drift:<crossing>:<drifting_since>` when the crossing is drifting now;
 * - degraded, old key `degraded:<crossing>:<newest forecast interval>`: moved to
 *   `degraded:<crossing>:<degraded_since>` when the crossing is degraded now and the
 *   acknowledgement still matched before the upgrade (the key names the crossing's newest
 *   forecast) or was made since the episode began as recorded;
 * - offline, old key `offline:<crossing>:<newest forecast interval>`: moved to
 *   `offline:<crossing>:<last heartbeat>` (where the silence began) when it still matched
 *   before the upgrade (whether the crossing is offline is judged on the wall clock, so it
 *   is not known here: the key is the one its silence since the last heartbeat has).
 * Stale keys did not change form (`stale_since` is the newest forecast when it went stale).
 * Only the newest acknowledgement per crossing and kind moves, never onto a key already
 * acknowledged. `down` leaves the keys as they are: both forms are valid text.
 */
export class AlertAcknowledgementEpisodes1765880000000 implements MigrationInterface {
  name = 'AlertAcknowledgementEpisodes1765880000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const carry = async (kind: string, newKey: string, matches: string) => {
      await queryRunner.query(`
        UPDATE alert_acknowledgements a SET alert_key = m.new_key
        FROM (
          SELECT DISTINCT ON (a.crossing_id) a.id, ${newKey} AS new_key
          FROM alert_acknowledgements a JOIN crossing_status s ON s.crossing_id = a.crossing_id
          WHERE a.kind = '${kind}' AND (${matches})
          ORDER BY a.crossing_id, a.acknowledged_at DESC, a.id DESC
        ) m
        WHERE a.id = m.id AND a.alert_key <> m.new_key
          AND NOT EXISTS (SELECT 1 FROM alert_acknowledgements b WHERE b.alert_key = m.new_key)`);
    };
    await carry('drift', `'drift:' || a.crossing_id || ':' || ${isoOf('s.drifting_since')}`, `s.drifting_since IS NOT NULL AND a.alert_key = 'drift:' || a.crossing_id`);
    await carry(
      'degraded',
      `'degraded:' || a.crossing_id || ':' || ${isoOf('s.degraded_since')}`,
      `s.degraded_since IS NOT NULL AND (a.alert_key = 'degraded:' || a.crossing_id || ':' || COALESCE(${isoOf('s.last_forecast_interval_start')}, 'never') OR a.acknowledged_at >= s.degraded_since)`,
    );
    await carry(
      'offline',
      `'offline:' || a.crossing_id || ':' || ${isoOf('s.last_heartbeat_at')}`,
      `s.last_heartbeat_at IS NOT NULL AND a.alert_key = 'offline:' || a.crossing_id || ':' || COALESCE(${isoOf('s.last_forecast_interval_start')}, 'never')`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: the carried keys are what the server derives now, and the old ones matched nothing after the upgrade.
  }
}
