import { PARTITIONED_TABLES as GROWING_TABLES } from './migrations/1765400000000-partitioned-storage';
import { SIGNAL_EVENT_LOGS_PARTITIONING } from './migrations/1765860000000-partitioned-signal-event-logs';

/**
 * Every table partitioned by month of data time, with its partition column: the growing
 * tables of migration 1765400000000 and signal_event_logs (1765860000000). Fusion's
 * PartitionMaintenanceService keeps their months and applies each one's retention.
 */
export const PARTITIONED_TABLES = [
  ...GROWING_TABLES.map(({ table, column }) => ({ table, column })),
  SIGNAL_EVENT_LOGS_PARTITIONING,
] as const;
