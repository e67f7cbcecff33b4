/**
 * `npm run measures -- --file <events.csv> --detectors <map.json> [--out <measures.json>]`:
 * the ATSPM performance measures of real controller event logs (Indiana enumerations, as
 * ATSPM exports them) for traffic engineers: split monitor with phase termination,
 * arrivals on green with the Purdue Coordination Diagram points, split failures and
 * approach volumes, per signal in the detector map. Prints a table per signal; writes the
 * whole result (the same view as GET /api/crossings/:id/measures) as JSON with --out.
 * The measures are computed as fusion serves them (tools/event-log-measures.ts →
 * computeMeasures of @crosscast/performance-measures). Run with --help for the options.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CrossingMeasuresView } from '@crosscast/contracts';
import { parseDetectorMap, parseEventLog, parseLocalTimestamp } from '@crosscast/controller-events';
import { MeasuresInputError, localTimeJson, measuresPerSignal } from './event-log-measures';

const USAGE = `Usage: npm run measures -- --file <events.csv> [--file <more.csv> ...] --detectors <map.json> [options]

The event log(s): rows of signal id, timestamp (controller local time, M/D/YYYY H:M:S.f or
YYYY-MM-DD HH:MM:SS.f), event code, event parameter; header optional, BOM allowed. Several
--file options are read as one log (a phase-event export and a detector export, say).
The detector map (JSON, as for import:events) gives each channel's approach, phase and kind,
and optionally travelSeconds (advance detector to stop line, free flow):
  {"signals": {"7115": {"crossing": "7115", "detectors": {"2": {"approach": "7115:P2", "phase": 2, "kind": "advance", "travelSeconds": 8}}}}}

Options:
  --from <local time>   window start, controller local time (default: the signal's first event)
  --to <local time>     window end, exclusive (default: just after its last event)
  --bin <minutes>       approach volume bin: 1, 5, 15 or 60 (default 15)
  --out <file.json>     write every measure, per signal, as JSON
Times in the output are the controller's local wall clock (written without a zone).
`;

export class UsageError extends Error {}

export interface MeasuresOptions {
  files: string[];
  detectors: string;
  fromLocalMs: number | null;
  toLocalMs: number | null;
  binMinutes: number;
  out: string | null;
}

export function parseMeasuresArgs(argv: string[]): MeasuresOptions {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        file: { type: 'string', multiple: true },
        detectors: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        bin: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) throw new UsageError('');
  const files = (values.file as string[] | undefined) ?? [];
  if (files.length === 0) throw new UsageError('--file is required');
  if (!values.detectors) throw new UsageError('--detectors is required');
  const local = (key: string) => {
    const raw = values[key] as string | undefined;
    if (raw === undefined) return null;
    const ms = parseLocalTimestamp(raw);
    if (ms === null) throw new UsageError(`--${key} "${raw}" is not a local time like 2023-04-17 08:00:00 or 4/17/2023 8:00:00`);
    return ms;
  };
  const bin = Number((values.bin as string | undefined) ?? 15);
  if (![1, 5, 15, 60].includes(bin)) throw new UsageError(`--bin must be 1, 5, 15 or 60, got "${String(values.bin)}"`);
  const options = { files, detectors: values.detectors as string, fromLocalMs: local('from'), toLocalMs: local('to'), binMinutes: bin, out: (values.out as string | undefined) ?? null };
  if (options.fromLocalMs !== null && options.toLocalMs !== null && options.toLocalMs <= options.fromLocalMs) throw new UsageError('--to must be after --from');
  return options;
}

/** Reads the logs and the map, computes the measures per mapped signal, prints a summary and writes JSON. */
export function runMeasures(options: MeasuresOptions, log: (line: string) => void = () => undefined): CrossingMeasuresView[] {
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read the ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  let mapJson: unknown;
  try {
    mapJson = JSON.parse(read(options.detectors, 'detector map'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${options.detectors} is not valid JSON: ${(error as Error).message}`);
  }
  let map;
  try {
    map = parseDetectorMap(mapJson);
  } catch (error) {
    throw new UsageError(`${options.detectors}: ${(error as Error).message}`);
  }
  const events = options.files.flatMap((file) => {
    const parsed = parseEventLog(read(file, 'event log'));
    if (parsed.problems.length) throw new UsageError(`${file}: ${parsed.problems.length} bad row(s):\n  ${parsed.problems.slice(0, 10).join('\n  ')}`);
    log(`read ${parsed.events.length} events from ${file}`);
    return parsed.events;
  });
  let perSignal;
  try {
    perSignal = measuresPerSignal(events, map, mapJson, { fromLocalMs: options.fromLocalMs, toLocalMs: options.toLocalMs, binMinutes: options.binMinutes }, options.detectors);
  } catch (error) {
    if (error instanceof MeasuresInputError) throw new UsageError(error.message);
    throw error;
  }
  const views: CrossingMeasuresView[] = [];
  for (const { signalId, view } of perSignal) {
    if (!view) {
      log(`signal ${signalId}: no events in the log`);
      continue;
    }
    views.push(view);
    printSummary(signalId, view, log);
  }
  if (options.out) {
    fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
    fs.writeFileSync(options.out, localTimeJson(views));
    log(`wrote ${options.out}`);
  }
  return views;
}

function printSummary(signalId: string, view: CrossingMeasuresView, log: (line: string) => void): void {
  const pct = (x: number | null) => (x === null ? '   -' : `${(100 * x).toFixed(0).padStart(3)}%`);
  const n = (x: number | null, d = 1) => (x === null ? '-' : x.toFixed(d));
  log(`\nsignal ${signalId} (crossing ${view.crossingId}), ${view.from.slice(0, 19).replace('T', ' ')} to ${view.to.slice(0, 19).replace('T', ' ')} local, ${view.events} events`);
  log('  split monitor    phase  greens  mean green  p85 green  mean cycle  gap-out  max-out  force-off  unknown');
  for (const p of view.splitMonitor) {
    log(`  ${''.padEnd(15)}  ${String(p.phase).padStart(5)}  ${String(p.cycles).padStart(6)}  ${n(p.meanGreenSeconds).padStart(10)}  ${n(p.p85GreenSeconds).padStart(9)}  ${n(p.meanCycleSeconds).padStart(10)}  ${pct(p.gapOutShare).padStart(7)}  ${pct(p.maxOutShare).padStart(7)}  ${pct(p.forceOffShare).padStart(9)}  ${pct(p.unknownShare).padStart(7)}`);
  }
  log('  arrivals on green phase  cycles  arrivals  on green  AoG    green  platoon ratio');
  for (const a of view.arrivalsOnGreen) log(`  ${''.padEnd(15)}  ${String(a.phase).padStart(5)}  ${String(a.cycles).padStart(6)}  ${String(a.arrivals).padStart(8)}  ${String(a.arrivalsOnGreen).padStart(8)}  ${pct(a.aogShare)}  ${pct(a.greenShare)}  ${n(a.platoonRatio, 2).padStart(13)}`);
  log('  split failures   phase  greens  failures  share');
  if (view.splitFailures.length === 0) log('                   (no stop-bar channels in the detector map)');
  for (const f of view.splitFailures) log(`  ${''.padEnd(15)}  ${String(f.phase).padStart(5)}  ${String(f.cycles).padStart(6)}  ${String(f.failures).padStart(8)}  ${pct(f.failureShare)}`);
  log('  approach volume  approach  vehicles  veh/h');
  for (const v of view.approachVolumes) log(`  ${''.padEnd(15)}  ${v.approachId.padStart(8)}  ${String(v.total).padStart(8)}  ${v.vehPerHour.toFixed(0).padStart(5)}`);
}

if (require.main === module) {
  try {
    runMeasures(parseMeasuresArgs(process.argv.slice(2)), (line) => console.log(line));
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) console.error(`measures: ${error.message}\n`);
      console.error(USAGE);
      process.exit(error.message ? 2 : 0);
    }
    throw error;
  }
}
