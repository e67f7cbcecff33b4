/**
 * Regenerates seed-data/boroondara-2006/ (crossings.json, counts.csv.gz, README.md) from
 * the VicRoads SCATS October 2006 files described in their SOURCE.md.
 *
 *   npm run seed:build [-- <source dir>]
 *
 * The source directory is argv[2], else $SCATS_SOURCE_DIR, else
 * ../shared/data/vicroads-scats-boroondara-oct2006; relative paths are resolved from the
 * current directory, which must be the repo root (npm run does that). The output is
 * byte-for-byte deterministic. Only node built-ins and @crosscast/contracts are used.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CityDefinitionSchema,
  CompassDirectionSchema,
  type ApproachDefinition,
  type CityDefinition,
  type CompassDirection,
  type CrossingDefinition,
} from '@crosscast/contracts';

const TIME_ZONE = 'Australia/Melbourne';
const INTERVAL_MINUTES = 15;
const SLOTS_PER_DAY = (24 * 60) / INTERVAL_MINUTES;
const CITY = 'Boroondara, Melbourne (VicRoads SCATS, October 2006)';
const OUTPUT_DIR = join('seed-data', 'boroondara-2006');
const DEFAULT_SOURCE_DIR = join('..', 'shared', 'data', 'vicroads-scats-boroondara-oct2006');
const SOURCE_FILES = ['detectors.csv', 'sites.csv', 'scats_oct2006_detector_days.csv'] as const;
/** A run of at least this many consecutive zero intervals is reported as "stuck at zero". */
const ZERO_RUN_SLOTS = 8;

// ---------------------------------------------------------------------------------------
// Small helpers

function fail(message: string): never {
  throw new Error(message);
}

type CsvRecord = Record<string, string> & { __line: string };

/** The source CSVs are plain (no quoting); anything else is rejected rather than misread. */
function readPlainCsv(file: string, required: string[]): CsvRecord[] {
  const name = basename(file);
  const lines = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (!lines.length) fail(`${name}: empty file`);
  const header = lines[0].split(',');
  for (const column of required) {
    if (!header.includes(column)) fail(`${name} line 1: missing column '${column}'`);
  }
  return lines.slice(1).map((line, i) => {
    const lineNo = i + 2;
    if (line.includes('"')) fail(`${name} line ${lineNo}: quoted fields are not expected in this file`);
    const fields = line.split(',');
    if (fields.length !== header.length) {
      fail(`${name} line ${lineNo}: ${fields.length} fields, the header has ${header.length}`);
    }
    const record = { __line: `${name} line ${lineNo}` } as CsvRecord;
    header.forEach((column, j) => (record[column] = fields[j]));
    return record;
  });
}

function parseNumber(text: string, where: string, what: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) fail(`${where}: ${what} '${text}' is not a number`);
  return value;
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function readable(road: string): string {
  return road.replace(/_/g, ' ').replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------
// Local wall-clock time -> instant, with the offset taken from ICU (no hard-coded table)

const wallClock = new Intl.DateTimeFormat('en-US', {
  timeZone: TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Minutes to add to UTC to get local time at `instantMs`. */
function offsetMinutesAt(instantMs: number): number {
  const parts: Record<string, number> = {};
  for (const part of wallClock.formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wallAsUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((wallAsUtc - Math.floor(instantMs / 1000) * 1000) / 60_000);
}

interface LocalSlot {
  instantMs: number;
  /** "2006-10-01T00:00:00+10:00" */
  iso: string;
}

/**
 * The instant of a local wall-clock time in TIME_ZONE, or null if that wall time does
 * not exist (skipped by a daylight-saving jump). Throws if it is ambiguous.
 */
function localSlot(date: string, minuteOfDay: number): LocalSlot | null {
  const [y, m, d] = date.split('-').map(Number);
  const wallAsUtc = Date.UTC(y, m - 1, d, Math.floor(minuteOfDay / 60), minuteOfDay % 60);
  const day = 86_400_000;
  const candidates = new Set([offsetMinutesAt(wallAsUtc - day), offsetMinutesAt(wallAsUtc + day)]);
  const valid: LocalSlot[] = [];
  for (const offset of candidates) {
    const instantMs = wallAsUtc - offset * 60_000;
    if (offsetMinutesAt(instantMs) !== offset) continue;
    valid.push({ instantMs, iso: `${new Date(wallAsUtc).toISOString().slice(0, 19)}${formatOffset(offset)}` });
  }
  if (valid.length > 1) fail(`${date} minute ${minuteOfDay}: local time is ambiguous in ${TIME_ZONE}`);
  return valid[0] ?? null;
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------
// Approach locations: "<ROAD> <DIR> of|OF <CROSS ROAD>"

const LOCATION = /^(.+?) (N|NE|E|SE|S|SW|W|NW) (?:of|OF) (.+)$/;

function parseLocation(location: string, where: string): { road: string; direction: CompassDirection; crossRoad: string } {
  const m = LOCATION.exec(location.trim());
  if (!m) fail(`${where}: cannot parse a direction from location '${location}' (expected "<ROAD> <N|NE|...|NW> of <CROSS ROAD>")`);
  const matches = location.match(/ (N|NE|E|SE|S|SW|W|NW) (of|OF) /g) ?? [];
  if (matches.length !== 1) fail(`${where}: location '${location}' names a direction ${matches.length} times`);
  return { road: m[1].trim(), direction: CompassDirectionSchema.parse(m[2]), crossRoad: m[3].trim() };
}

// ---------------------------------------------------------------------------------------

interface DetectorInfo {
  key: string;
  site: string;
  location: string;
  lat: number | null;
  lon: number | null;
}

function main(): void {
  const cwd = process.cwd();
  if (!existsSync(join(cwd, 'package.json')) || !existsSync(join(cwd, 'libs'))) {
    fail(`run this from the repository root (current directory: ${cwd})`);
  }
  const sourceDir = resolve(cwd, process.argv[2] || process.env.SCATS_SOURCE_DIR || DEFAULT_SOURCE_DIR);
  for (const file of SOURCE_FILES) {
    if (!existsSync(join(sourceDir, file))) fail(`source file ${join(sourceDir, file)} not found (pass the directory as argv[2] or SCATS_SOURCE_DIR)`);
  }
  const outDir = resolve(cwd, OUTPUT_DIR);

  const sourceHashes = checkSourceHashes(sourceDir);

  // --- detectors and sites --------------------------------------------------------------
  const detectors = new Map<string, DetectorInfo>();
  let zeroCoordinateDetectors: string[] = [];
  for (const r of readPlainCsv(join(sourceDir, 'detectors.csv'), ['detector_key', 'scats_site', 'location', 'lat', 'lon'])) {
    if (detectors.has(r.detector_key)) fail(`${r.__line}: duplicate detector_key '${r.detector_key}'`);
    if (!r.detector_key.startsWith(`${r.scats_site}:`)) fail(`${r.__line}: detector_key '${r.detector_key}' is not in site ${r.scats_site}`);
    let lat: number | null = parseNumber(r.lat, r.__line, 'lat');
    let lon: number | null = parseNumber(r.lon, r.__line, 'lon');
    if (lat === 0 && lon === 0) {
      lat = lon = null;
      zeroCoordinateDetectors.push(r.detector_key);
    }
    detectors.set(r.detector_key, { key: r.detector_key, site: r.scats_site, location: r.location, lat, lon });
  }
  zeroCoordinateDetectors = zeroCoordinateDetectors.sort(byString);

  const sites = new Map<string, { lat: number; lon: number; keys: string[] }>();
  for (const r of readPlainCsv(join(sourceDir, 'sites.csv'), ['scats_site', 'lat_mean', 'lon_mean', 'detector_keys'])) {
    if (sites.has(r.scats_site)) fail(`${r.__line}: duplicate scats_site '${r.scats_site}'`);
    const keys = r.detector_keys.split(' ').filter(Boolean).sort(byString);
    for (const key of keys) {
      if (detectors.get(key)?.site !== r.scats_site) fail(`${r.__line}: detector ${key} is not a detector of site ${r.scats_site} in detectors.csv`);
    }
    sites.set(r.scats_site, {
      lat: parseNumber(r.lat_mean, r.__line, 'lat_mean'),
      lon: parseNumber(r.lon_mean, r.__line, 'lon_mean'),
      keys,
    });
  }
  for (const d of detectors.values()) {
    if (!sites.get(d.site)?.keys.includes(d.key)) fail(`detectors.csv: detector ${d.key} is missing from site ${d.site} in sites.csv`);
  }

  // --- crossings.json -------------------------------------------------------------------
  const duplicateLabels: string[] = [];
  const crossings: CrossingDefinition[] = [...sites.keys()].sort(byString).map((siteId) => {
    const site = sites.get(siteId)!;
    const roadCounts = new Map<string, number>(); // insertion order = first appearance
    const labels = new Map<string, string>();
    const approaches: ApproachDefinition[] = site.keys.map((key) => {
      const d = detectors.get(key)!;
      const where = `detectors.csv ${key}`;
      const { road, direction, crossRoad } = parseLocation(d.location, where);
      for (const r of [readable(road), readable(crossRoad)]) roadCounts.set(r, (roadCounts.get(r) ?? 0) + 1);
      const previous = labels.get(d.location);
      if (previous) duplicateLabels.push(`${siteId}: ${previous} and ${key} are both labelled "${d.location}"`);
      labels.set(d.location, key);
      return { id: key, direction, road: readable(road), location: d.location, lat: d.lat, lon: d.lon };
    });
    const firstSeen = [...roadCounts.keys()];
    const topRoads = [...firstSeen]
      .sort((a, b) => roadCounts.get(b)! - roadCounts.get(a)! || firstSeen.indexOf(a) - firstSeen.indexOf(b))
      .slice(0, 2);
    return { id: siteId, name: topRoads.join(' / '), lat: site.lat, lon: site.lon, approaches };
  });

  // --- counts ---------------------------------------------------------------------------
  const vColumns = Array.from({ length: SLOTS_PER_DAY }, (_, i) => `v${String(i).padStart(2, '0')}`);
  const dayRows = readPlainCsv(join(sourceDir, 'scats_oct2006_detector_days.csv'), ['scats_site', 'detector_key', 'date', ...vColumns]);

  const slotCache = new Map<string, LocalSlot | null>();
  const slotFor = (date: string, i: number): LocalSlot | null => {
    const cacheKey = `${date}#${i}`;
    if (!slotCache.has(cacheKey)) slotCache.set(cacheKey, localSlot(date, i * INTERVAL_MINUTES));
    return slotCache.get(cacheKey)!;
  };

  interface OutRow {
    ms: number;
    iso: string;
    crossing: string;
    approach: string;
    count: number | null;
  }
  const rows: OutRow[] = [];
  const seenDetectorDays = new Set<string>();
  const dates = new Set<string>();
  const droppedSlots = new Map<string, { columns: Set<string>; detectors: number; values: number; nonZero: number }>();
  let emptyValues = 0;
  for (const r of dayRows) {
    const d = detectors.get(r.detector_key) ?? fail(`${r.__line}: unknown detector_key '${r.detector_key}'`);
    if (d.site !== r.scats_site) fail(`${r.__line}: detector ${d.key} belongs to site ${d.site}, not ${r.scats_site}`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(r.date)) fail(`${r.__line}: date '${r.date}' is not YYYY-MM-DD`);
    const detectorDay = `${d.key}@${r.date}`;
    if (seenDetectorDays.has(detectorDay)) fail(`${r.__line}: second row for detector ${d.key} on ${r.date}`);
    seenDetectorDays.add(detectorDay);
    dates.add(r.date);

    vColumns.forEach((column, i) => {
      const text = r[column].trim();
      let count: number | null = null;
      if (text === '') emptyValues += 1;
      else if (/^\d+$/.test(text)) count = Number(text);
      else fail(`${r.__line}: ${column} '${r[column]}' is not a non-negative integer`);

      const slot = slotFor(r.date, i);
      if (!slot) {
        let dropped = droppedSlots.get(r.date);
        if (!dropped) droppedSlots.set(r.date, (dropped = { columns: new Set(), detectors: 0, values: 0, nonZero: 0 }));
        dropped.columns.add(column);
        dropped.values += 1;
        if (count) dropped.nonZero += 1;
        return;
      }
      rows.push({ ms: slot.instantMs, iso: slot.iso, crossing: d.site, approach: d.key, count });
    });
  }
  for (const [date, dropped] of droppedSlots) dropped.detectors = dayRows.filter((r) => r.date === date).length;

  rows.sort((a, b) => a.ms - b.ms || byString(a.crossing, b.crossing) || byString(a.approach, b.approach));
  const expectedRows = dayRows.length * SLOTS_PER_DAY - [...droppedSlots.values()].reduce((n, s) => n + s.values, 0);
  if (rows.length !== expectedRows) fail(`internal: wrote ${rows.length} rows, expected ${expectedRows}`);

  const sortedDates = [...dates].sort(byString);
  const firstSlot = slotFor(sortedDates[0], 0) ?? fail('first slot does not exist');
  const lastSlot = slotFor(sortedDates[sortedDates.length - 1], SLOTS_PER_DAY - 1) ?? fail('last slot does not exist');

  // --- data faults for the README -------------------------------------------------------
  const faults = findFaults(rows, detectors, sortedDates, seenDetectorDays, INTERVAL_MINUTES * 60_000);
  const dstDay = [...droppedSlots.keys()][0];
  const dstZeroRows = dstDay
    ? dayRows.filter((r) => r.date === dstDay && ['v07', 'v08', 'v09', 'v10'].every((c) => r[c].trim() === '0')).length
    : 0;
  const dstV07Zero = dstDay ? dayRows.filter((r) => r.date === dstDay && r.v07.trim() === '0').length : 0;

  // --- write ----------------------------------------------------------------------------
  const city: CityDefinition = {
    city: CITY,
    timeZone: TIME_ZONE,
    intervalMinutes: INTERVAL_MINUTES,
    firstIntervalStart: firstSlot.iso,
    lastIntervalStart: lastSlot.iso,
    source:
      'VicRoads SCATS inductive-loop counts, City of Boroondara, October 2006, 15-minute intervals ' +
      '(coursework copy "Scats Data October 2006.xlsx" from GitHub marley195/intelligentSystems); licence unknown. See README.md.',
    crossings,
  };
  const checked = CityDefinitionSchema.safeParse(city);
  if (!checked.success) fail(`crossings.json would not match CityDefinitionSchema: ${checked.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const crossingsJson = Buffer.from(JSON.stringify(city, null, 2) + '\n', 'utf8');

  const csvLines = ['timestamp,crossing,approach,count'];
  for (const row of rows) csvLines.push(`${row.iso},${row.crossing},${row.approach},${row.count ?? ''}`);
  const csvText = Buffer.from(csvLines.join('\n') + '\n', 'utf8');
  const countsGz = gzipSync(csvText, { level: 9 });

  const approachCount = crossings.reduce((n, c) => n + c.approaches.length, 0);
  const readme = renderReadme({
    crossings: crossings.length,
    approaches: approachCount,
    rows: rows.length,
    detectorDays: dayRows.length,
    dates: sortedDates,
    firstIso: firstSlot.iso,
    lastIso: lastSlot.iso,
    missingDetectorDays: detectors.size * sortedDates.length - dayRows.length,
    emptyValues,
    droppedSlots,
    dstZeroRows,
    dstV07Zero,
    zeroCoordinateDetectors,
    duplicateLabels,
    faults,
    crossingsSha: sha256(crossingsJson),
    crossingsBytes: crossingsJson.length,
    countsSha: sha256(countsGz),
    countsBytes: countsGz.length,
    csvSha: sha256(csvText),
    csvBytes: csvText.length,
    sourceHashes,
  });

  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'crossings.json'), crossingsJson);
  writeFileSync(join(outDir, 'counts.csv.gz'), countsGz);
  writeFileSync(join(outDir, 'README.md'), readme);

  const rel = relative(cwd, outDir) || '.';
  console.log(`source: ${sourceDir}`);
  console.log(`wrote ${rel}/crossings.json  ${crossings.length} crossings, ${approachCount} approaches  sha256 ${sha256(crossingsJson)}`);
  console.log(`wrote ${rel}/counts.csv.gz   ${rows.length} rows (${dayRows.length} detector-days x ${SLOTS_PER_DAY}, minus ${[...droppedSlots.values()].reduce((n, s) => n + s.values, 0)} non-existent local slots)  sha256 ${sha256(countsGz)}`);
  console.log(`wrote ${rel}/README.md`);
}

/** Compares the inputs with the sha256 listed in SOURCE.md, if there is one; warns on a mismatch. */
function checkSourceHashes(sourceDir: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  const sourceMd = join(sourceDir, 'SOURCE.md');
  const listed = existsSync(sourceMd) ? readFileSync(sourceMd, 'utf8') : '';
  for (const file of SOURCE_FILES) {
    hashes[file] = sha256(readFileSync(join(sourceDir, file)));
    const m = new RegExp(`\\|\\s*${file.replace(/\./g, '\\.')}\\s*\\|\\s*([0-9a-f]{64})`).exec(listed);
    if (m && m[1] !== hashes[file]) {
      console.warn(`warning: ${file} has sha256 ${hashes[file]}, SOURCE.md lists ${m[1]}; the README will describe the file as read`);
    }
  }
  return hashes;
}

interface Faults {
  zeroRuns: { approach: string; start: string; slots: number }[];
  missingByDetector: { approach: string; missingDays: number }[];
  emptyCrossingDays: number;
  /** Detectors present on fewer than 7 days, with their dates. */
  sparse: { approach: string; dates: string[] }[];
}

function findFaults(
  rows: { ms: number; iso: string; approach: string; crossing: string; count: number | null }[],
  detectors: Map<string, DetectorInfo>,
  dates: string[],
  detectorDays: Set<string>,
  intervalMs: number,
): Faults {
  // Runs of zeros per approach over consecutive intervals (a missing interval breaks a run).
  const byApproach = new Map<string, typeof rows>();
  for (const row of rows) {
    let list = byApproach.get(row.approach);
    if (!list) byApproach.set(row.approach, (list = []));
    list.push(row);
  }
  const zeroRuns: Faults['zeroRuns'] = [];
  for (const approach of [...byApproach.keys()].sort(byString)) {
    const list = byApproach.get(approach)!;
    let start = -1;
    const close = (end: number) => {
      if (start >= 0 && end - start >= ZERO_RUN_SLOTS) zeroRuns.push({ approach, start: list[start].iso, slots: end - start });
      start = -1;
    };
    list.forEach((row, i) => {
      const contiguous = i > 0 && row.ms - list[i - 1].ms === intervalMs;
      if (row.count === 0) {
        if (start >= 0 && !contiguous) close(i);
        if (start < 0) start = i;
      } else close(i);
    });
    close(list.length);
  }

  const missingByDetector = [...detectors.keys()]
    .sort(byString)
    .map((approach) => ({ approach, missingDays: dates.filter((d) => !detectorDays.has(`${approach}@${d}`)).length }))
    .filter((m) => m.missingDays > 0);

  const sitesWithDetectors = new Map<string, string[]>();
  for (const d of detectors.values()) sitesWithDetectors.set(d.site, [...(sitesWithDetectors.get(d.site) ?? []), d.key]);
  let emptyCrossingDays = 0;
  for (const keys of sitesWithDetectors.values()) {
    for (const date of dates) if (keys.every((k) => !detectorDays.has(`${k}@${date}`))) emptyCrossingDays += 1;
  }
  const sparse = [...detectors.keys()]
    .sort(byString)
    .map((approach) => ({ approach, dates: dates.filter((d) => detectorDays.has(`${approach}@${d}`)) }))
    .filter((d) => d.dates.length < 7);
  return { zeroRuns, missingByDetector, emptyCrossingDays, sparse };
}

interface ReadmeFacts {
  crossings: number;
  approaches: number;
  rows: number;
  detectorDays: number;
  dates: string[];
  firstIso: string;
  lastIso: string;
  missingDetectorDays: number;
  emptyValues: number;
  droppedSlots: Map<string, { columns: Set<string>; detectors: number; values: number; nonZero: number }>;
  dstZeroRows: number;
  dstV07Zero: number;
  zeroCoordinateDetectors: string[];
  duplicateLabels: string[];
  faults: Faults;
  crossingsSha: string;
  crossingsBytes: number;
  countsSha: string;
  countsBytes: number;
  csvSha: string;
  csvBytes: number;
  sourceHashes: Record<string, string>;
}

function renderReadme(f: ReadmeFacts): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const dropped = [...f.droppedSlots.entries()]
    .map(([date, s]) => `${date}: ${[...s.columns].sort(byString).join(', ')} for ${s.detectors} detectors (${n(s.values)} values, ${s.nonZero} of them non-zero)`)
    .join('; ');
  const missingDist = new Map<number, number>();
  for (const m of f.faults.missingByDetector) missingDist.set(m.missingDays, (missingDist.get(m.missingDays) ?? 0) + 1);
  const missingText = [...missingDist.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([days, count]) => `${count} detector${count > 1 ? 's miss' : ' misses'} ${days} day${days > 1 ? 's' : ''}`)
    .join(', ');
  const longestRuns = [...f.faults.zeroRuns].sort((a, b) => b.slots - a.slots || byString(a.approach, b.approach)).slice(0, 5);

  return `# Boroondara, Melbourne: VicRoads SCATS counts, October 2006

Generated by \`tools/build-seed-data.ts\`; do not edit by hand. Regenerate with \`npm run seed:build\`
(see [Regenerating](#regenerating)).

Real 15-minute vehicle counts from the inductive loops of ${f.crossings} signalised intersections
("crossings", SCATS sites) in the City of Boroondara, Melbourne, ${f.dates[0]} to ${f.dates[f.dates.length - 1]}.
Each SCATS detector is one approach into its crossing.

## Files

| file | what | sha256 | bytes |
|---|---|---|---|
| \`crossings.json\` | The city definition (\`CityDefinitionSchema\` in \`@crosscast/contracts\`): ${f.crossings} crossings, ${f.approaches} approaches | \`${f.crossingsSha}\` | ${n(f.crossingsBytes)} |
| \`counts.csv.gz\` | The counts, long format (below): ${n(f.rows)} rows | \`${f.countsSha}\` | ${n(f.countsBytes)} |

The uncompressed \`counts.csv\` has sha256 \`${f.csvSha}\` (${n(f.csvBytes)} bytes). The gzip
stream is written with level 9 and no file name or time stamp, so every run gives the same bytes.

### crossings.json

- \`id\`: the SCATS site number as written in the source, e.g. \`"0970"\` (keep the leading zero).
- \`name\`: the two roads named most often in the site's approach labels, e.g. \`"WARRIGAL RD / HIGH STREET RD"\`.
- \`lat\`/\`lon\`: the mean position of the site's approach detectors (the (0,0) detector excluded).
- \`approaches[]\`: \`id\` is the detector key \`"<site>:<detector>"\`, e.g. \`"0970:1"\`; \`direction\` is the
  side the traffic arrives from, parsed from the label (\`"WARRIGAL_RD N of HIGH STREET_RD"\` = N);
  \`road\` is the approach's own road; \`location\` is the label exactly as in the source; \`lat\`/\`lon\`
  are the detector's position, \`null\` where the source has (0,0).
- \`intervalMinutes\` is ${INTERVAL_MINUTES}; \`firstIntervalStart\` is \`${f.firstIso}\` and \`lastIntervalStart\` is \`${f.lastIso}\`.

### counts.csv.gz: the counts CSV format

\`\`\`
timestamp,crossing,approach,count
${f.firstIso},0970,0970:1,86
\`\`\`

- A header row is required; columns may be in any order and extra columns are ignored
  (this is the format read by \`readCountsCsv\` in \`@crosscast/seed\`, \`.csv\` or \`.csv.gz\`).
- \`timestamp\`: the start of the ${INTERVAL_MINUTES}-minute interval, ISO 8601 with the UTC offset in force
  in ${TIME_ZONE} at that moment (\`+10:00\` standard time, \`+11:00\` daylight time). Any
  offset or \`Z\` is accepted by the reader; compare instants, not strings.
- \`crossing\`, \`approach\`: ids from \`crossings.json\`.
- \`count\`: vehicles counted in the interval, a non-negative integer. Missing data is either an
  absent row or an empty \`count\`. In this file all missing data is absent rows (whole
  detector-days the source does not have)${f.emptyValues ? `, except ${f.emptyValues} empty values` : ''}.
- Rows are sorted by time, then crossing, then approach.

Row count: ${n(f.detectorDays)} detector-days in the source x 96 intervals, minus the
${n([...f.droppedSlots.values()].reduce((a, s) => a + s.values, 0))} values for local times that do not exist (below) = **${n(f.rows)} rows**.

## Source

VicRoads (Victoria, Australia) SCATS inductive-loop vehicle counts, City of Boroondara area,
October 2006. The copy used is the workbook \`Scats Data October 2006.xlsx\` published on GitHub in
\`marley195/intelligentSystems\` (path \`data/Scats Data October 2006.xlsx\`), which circulates as
assignment data for Swinburne University's COS30018 "Intelligent Systems" unit. Its count matrix
was cross-checked against three independent CSV exports in other repositories. The provenance is
inferred from file names, column names and repository context, not verified against a VicRoads
publication. The shared data directory's \`SOURCE.md\` has the details and commit ids.

Input files (derived from the workbook, as described in \`SOURCE.md\`):

| file | sha256 |
|---|---|
${SOURCE_FILES.map((file) => `| \`${file}\` | \`${f.sourceHashes[file]}\` |`).join('\n')}

**Licence: unknown.** No repository states one. VicRoads open data is often CC BY 4.0, but that is
not verified for this file: check before redistributing outside this project.

## Known faults

- **Missing detector-days.** ${n(f.missingDetectorDays)} of ${n(f.approaches * f.dates.length)} detector-days are absent (no rows):
  ${missingText}.${f.faults.sparse.map((d) => ` Detector ${d.approach} has only ${d.dates.length} day${d.dates.length > 1 ? 's' : ''} (${d.dates.join(', ')}).`).join('')}
  Common blocks (per \`SOURCE.md\`): Oct 24-28 (sites 3002, 3127, 4262, 4263, 4812) and Oct 13-14
  (sites 2000, 3682). ${f.faults.emptyCrossingDays} crossing-days have no data at all.
- **Daylight-saving start, ${[...f.droppedSlots.keys()].join(', ') || 'none'}.** Clocks in ${TIME_ZONE} went from 02:00 to 03:00,
  so local 02:00-02:45 did not exist. The source still has 96 columns that day; the columns for
  the non-existent slots were dropped: ${dropped || 'none'}. In the source, v07-v10 (local
  01:45-02:45 under the "slot i starts at midnight + i x 15 min" reading used here) are all
  zero for ${f.dstZeroRows} of the detectors reporting that day: the skipped hour as the logger
  saw it, one slot earlier than the wall-clock gap. v07 (01:45) is kept as recorded, so
  ${f.dstV07Zero} approaches have a spurious 0 at ${[...f.droppedSlots.keys()][0] ?? ''} 01:45; the edge worker's cleaning flags
  intervals where every approach of a crossing counts 0.
- **Stuck at zero.** ${f.faults.zeroRuns.length} runs of ${ZERO_RUN_SLOTS} or more consecutive zero intervals (2 hours or more) on one
  approach, probably detector faults (the daylight-saving zeros above are too short to count).
  Longest: ${longestRuns.map((r) => `${r.approach} from ${r.start} (${r.slots} intervals)`).join('; ')}.
- **Detector at (0,0).** ${f.zeroCoordinateDetectors.join(', ') || 'none'} has lat/lon (0,0) in the source; it is \`null\` in
  \`crossings.json\` and excluded from its crossing's mean position.
- **Duplicate location label.** ${f.duplicateLabels.join('; ') || 'none'}. Use the approach id, not the label, as the key.
- The source's \`Date\` column is the day plus 00:15; the interval labels (row 1 of the workbook)
  start at 0:00, which is the reading used here (slot i starts at local midnight + i x 15 min).

## Regenerating

\`\`\`
npm run seed:build                      # source: ../shared/data/vicroads-scats-boroondara-oct2006
npm run seed:build -- /path/to/source   # or set SCATS_SOURCE_DIR
\`\`\`

Run from the repository root. The script uses only Node built-ins and \`@crosscast/contracts\`,
takes UTC offsets from the ICU time-zone data (\`Intl\`), validates \`crossings.json\` against
\`CityDefinitionSchema\`, and fails if an approach label has no parseable direction.
`;
}

try {
  main();
} catch (err) {
  console.error(`build-seed-data: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
