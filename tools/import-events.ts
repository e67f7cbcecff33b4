/**
 * `npm run import:events -- --file <events.csv> --detectors <map.json> --out <counts.csv>`:
 * turns a high-resolution controller event log (Indiana enumerations, as ATSPM reads and
 * exports them) into Crosscast's counts CSV per approach and interval, and reports the
 * log's gaps and doubtful detectors. `--measures <file.json>` also writes the performance
 * measures (split monitor, phase termination, arrivals on green, Purdue Coordination
 * Diagram, split failures, approach volumes), the same view as `npm run measures` and
 * fusion's GET /api/crossings/:id/measures (tools/event-log-measures.ts). Run with --help
 * for the options.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CountOptions, DEFAULT_COUNT_OPTIONS, EventLogCounts, WallClockResolver, countDetectorEvents, isTimeZone, parseDetectorMap, parseEventLog, sortEvents } from '@crosscast/controller-events';
import { MeasuresInputError, localTimeJson, measuresPerSignal } from './event-log-measures';

const USAGE = `Usage: npm run import:events -- --file <events.csv> --detectors <map.json> --out <counts.csv> [options]

The event log: rows of signal id, timestamp (controller local time, M/D/YYYY H:M:S.f or
YYYY-MM-DD HH:MM:SS.f), event code, event parameter; header optional, BOM allowed.
The detector map (JSON) says which approach each detector channel counts:
  {"signals": {"7115": {"crossing": "7115", "detectors": {"2": {"approach": "7115:P2", "phase": 2, "kind": "advance"}}}}}

Options:
  --interval <minutes>      interval length (default ${DEFAULT_COUNT_OPTIONS.intervalMinutes}; must divide a day)
  --time-zone <IANA zone>   the controllers' zone, to write instants (default UTC)
  --gap-minutes <n>         no event from a signal this long = a gap in the log (default ${DEFAULT_COUNT_OPTIONS.gapMinutes})
  --silent-minutes <n>      a channel without vehicles this long is flagged silent (default ${DEFAULT_COUNT_OPTIONS.silentMinutes})
  --stuck-on-seconds <n>    a detector on this long without off is flagged stuck (default ${DEFAULT_COUNT_OPTIONS.stuckOnSeconds})
  --chatter-ms <n>          two detector-ons this close are chatter (default ${DEFAULT_COUNT_OPTIONS.chatterMs})
  --report <file.json>      where to write the findings (default <out>.report.json)
  --measures <file.json>    also write the performance measures per signal over the whole log
                            (as npm run measures writes them; approach volumes per --interval)
  --skip-bad-rows           import the good rows of a file with bad ones (default: refuse the file)
`;

export class UsageError extends Error {}

export interface ImportEventsOptions {
  file: string;
  detectors: string;
  out: string;
  report: string;
  measures?: string;
  timeZone: string;
  skipBadRows: boolean;
  count: CountOptions;
}

export function parseImportEventsArgs(argv: string[]): ImportEventsOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        file: { type: 'string' },
        detectors: { type: 'string' },
        out: { type: 'string' },
        interval: { type: 'string' },
        'time-zone': { type: 'string' },
        'gap-minutes': { type: 'string' },
        'silent-minutes': { type: 'string' },
        'stuck-on-seconds': { type: 'string' },
        'chatter-ms': { type: 'string' },
        report: { type: 'string' },
        measures: { type: 'string' },
        'skip-bad-rows': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) throw new UsageError('');
  for (const key of ['file', 'detectors', 'out']) if (!values[key]) throw new UsageError(`--${key} is required`);
  const number = (key: string, fallback: number, min: number, max: number) => {
    const raw = values[key] as string | undefined;
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  const intervalMinutes = number('interval', DEFAULT_COUNT_OPTIONS.intervalMinutes, 1, 1440);
  if (1440 % intervalMinutes !== 0) throw new UsageError(`--interval must divide a day (1, 5, 15, 60, ...), got ${intervalMinutes}`);
  const timeZone = (values['time-zone'] as string | undefined) ?? 'UTC';
  if (!isTimeZone(timeZone)) throw new UsageError(`--time-zone "${timeZone}" is not an IANA time zone (e.g. America/Denver, Australia/Melbourne, UTC)`);
  const out = values.out as string;
  return {
    file: values.file as string,
    detectors: values.detectors as string,
    out,
    report: (values.report as string | undefined) ?? `${out.replace(/\.csv$/i, '')}.report.json`,
    measures: values.measures as string | undefined,
    timeZone,
    skipBadRows: Boolean(values['skip-bad-rows']),
    count: {
      ...DEFAULT_COUNT_OPTIONS,
      intervalMinutes,
      gapMinutes: number('gap-minutes', DEFAULT_COUNT_OPTIONS.gapMinutes, 1, 10_080),
      silentMinutes: number('silent-minutes', DEFAULT_COUNT_OPTIONS.silentMinutes, 1, 10_080),
      stuckOnSeconds: number('stuck-on-seconds', DEFAULT_COUNT_OPTIONS.stuckOnSeconds, 1, 86_400),
      chatterMs: number('chatter-ms', DEFAULT_COUNT_OPTIONS.chatterMs, 0, 10_000),
    },
  };
}

export interface ImportEventsSummary {
  events: number;
  badRows: number;
  rows: number;
  missingRows: number;
  nonexistentLocalTimes: number;
  ambiguousLocalTimes: number;
  counts: EventLogCounts;
}

/** Reads, converts and writes; returns what it did. Throws UsageError for bad input files. */
export function runImportEvents(options: ImportEventsOptions, log: (line: string) => void = () => undefined): ImportEventsSummary {
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
  const parsed = parseEventLog(read(options.file, 'event log'));
  if (parsed.problems.length && !options.skipBadRows) {
    const shown = parsed.problems.slice(0, 10).map((p) => `  ${options.file} ${p}`);
    throw new UsageError(`${parsed.problems.length} bad row(s), nothing written (--skip-bad-rows imports the rest):\n${shown.join('\n')}${parsed.problems.length > 10 ? `\n  ... and ${parsed.problems.length - 10} more` : ''}`);
  }
  if (parsed.events.length === 0) throw new UsageError(`${options.file} has no events`);
  log(`read ${parsed.events.length} events from ${options.file}${parsed.problems.length ? ` (${parsed.problems.length} bad rows skipped)` : ''}`);

  const events = sortEvents(parsed.events);
  const counts = countDetectorEvents(events, map, options.count);
  // The same measures fusion serves (computeMeasures of @crosscast/performance-measures), per
  // signal over its whole log, approach volumes per interval, in local wall-clock time;
  // computed before anything is written, so a bad travel time in the map writes nothing.
  let measuresJson: string | null = null;
  if (options.measures) {
    try {
      const perSignal = measuresPerSignal(events, map, mapJson, { fromLocalMs: null, toLocalMs: null, binMinutes: counts.intervalMinutes }, options.detectors);
      measuresJson = localTimeJson(perSignal.flatMap((s) => (s.view ? [s.view] : [])));
    } catch (error) {
      if (error instanceof MeasuresInputError) throw new UsageError(error.message);
      throw error;
    }
  }
  const zone = new WallClockResolver(options.timeZone);
  let nonexistent = 0;
  let ambiguous = 0;
  const lines = ['timestamp,crossing,approach,count'];
  for (const row of counts.counts) {
    const at = zone.resolve(row.intervalLocalMs);
    if (at.instantMs === null) {
      nonexistent += 1;
      continue;
    }
    if (at.kind === 'ambiguous') ambiguous += 1;
    lines.push(`${zone.format(at.instantMs)},${row.crossingId},${row.approachId},${row.count ?? ''}`);
  }
  fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
  fs.writeFileSync(options.out, `${lines.join('\n')}\n`);
  const summary: ImportEventsSummary = {
    events: parsed.events.length,
    badRows: parsed.problems.length,
    rows: lines.length - 1,
    missingRows: counts.counts.filter((r) => r.count === null).length,
    nonexistentLocalTimes: nonexistent,
    ambiguousLocalTimes: ambiguous,
    counts,
  };
  const iso = (localMs: number) => new Date(localMs).toISOString().slice(0, 23).replace('T', ' ');
  const report = {
    file: options.file,
    detectorMap: options.detectors,
    timeZone: options.timeZone,
    intervalMinutes: counts.intervalMinutes,
    events: summary.events,
    badRows: parsed.problems,
    rows: summary.rows,
    missingRows: summary.missingRows,
    partialRows: counts.counts.filter((r) => r.partial).length,
    nonexistentLocalTimes: nonexistent,
    ambiguousLocalTimes: ambiguous,
    gaps: counts.gaps.map((g) => ({ signal: g.signalId, from: iso(g.fromLocalMs), to: iso(g.toLocalMs), minutes: (g.toLocalMs - g.fromLocalMs) / 60_000 })),
    detectors: counts.detectors.map((d) => ({
      signal: d.signalId,
      channel: d.channel,
      approach: d.approachId,
      onEvents: d.onEvents,
      offEvents: d.offEvents,
      flags: d.flags,
      chatterShare: d.chatterShare,
      silent: d.silent.map((s) => ({ from: iso(s.fromLocalMs), to: iso(s.toLocalMs) })),
      stuckOn: d.stuckOn.map((s) => ({ from: iso(s.fromLocalMs), seconds: s.seconds })),
    })),
    unmappedChannels: counts.unmappedChannels,
    unmappedSignals: counts.unmappedSignals,
    missingSignals: counts.missingSignals,
  };
  fs.writeFileSync(options.report, `${JSON.stringify(report, null, 2)}\n`);
  if (measuresJson !== null) fs.writeFileSync(options.measures!, measuresJson);

  log(`wrote ${summary.rows} rows to ${options.out} (${summary.missingRows} missing inside gaps, ${report.partialRows} partial intervals), findings in ${options.report}`);
  for (const g of report.gaps) log(`  gap: signal ${g.signal} logged nothing from ${g.from} to ${g.to} (${g.minutes.toFixed(1)} min)`);
  for (const d of report.detectors) log(`  signal ${d.signal} channel ${d.channel} → ${d.approach}: ${d.onEvents} vehicles${d.flags.length ? `  FLAGGED ${d.flags.join(', ')}` : ''}`);
  for (const u of counts.unmappedChannels) log(`  not counted: signal ${u.signalId} channel ${u.channel} (${u.onEvents} detector-ons) is not in the detector map`);
  for (const u of counts.unmappedSignals) log(`  not counted: signal ${u.signalId} (${u.events} events) is not in the detector map`);
  for (const s of counts.missingSignals) log(`  signal ${s} is in the detector map but has no events in the log`);
  if (nonexistent) log(`  ${nonexistent} interval(s) fall in the hour skipped when clocks went forward in ${options.timeZone}: not written`);
  return summary;
}

if (require.main === module) {
  try {
    runImportEvents(parseImportEventsArgs(process.argv.slice(2)), (line) => console.log(line));
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) console.error(`import:events: ${error.message}\n`);
      console.error(USAGE);
      process.exit(error.message ? 2 : 0);
    }
    throw error;
  }
}
