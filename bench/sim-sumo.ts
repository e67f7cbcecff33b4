/**
 * Runs SUMO on one of our networks with the very vehicles our engine generated: writes the
 * plain XML (libs/simulation/src/sumo), calls netconvert and sumo, and reads tripinfo.
 * Shared by bench:sim-validate and bench:sim-speed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Network, SUMO_PASSENGER_CAR, SumoVehicleType, VehicleDeparture,
  sumoConnectionsXml, sumoEdgesXml, sumoNodesXml, sumoRoutesXml, sumoTlsXml,
} from '@crosscast/simulation';

export interface SumoTrip {
  id: number;
  depart: number;
  departDelay: number;
  arrival: number;
  duration: number;
  routeLength: number;
  timeLoss: number;
  waitingTime: number;
}

export interface SumoRun {
  netconvertSeconds: number;
  sumoSeconds: number;
  /** user + system CPU seconds of sumo, and its peak RSS, when /usr/bin/time is there. */
  sumoCpuSeconds: number | null;
  sumoPeakRssMb: number | null;
  trips: Map<number, SumoTrip>;
  teleports: number;
  version: string;
}

/** The sumo binary on PATH, or null. */
export function findSumo(): string | null {
  const probe = spawnSync('sumo', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? 'sumo' : null;
}

export function sumoVersion(): string {
  const probe = spawnSync('sumo', ['--version'], { encoding: 'utf8' });
  return (probe.stdout.split('\n')[0] ?? '').trim();
}

export interface SumoRunOptions {
  vType?: SumoVehicleType;
  /** Left turns yield to opposing traffic (SUMO 'g'); false gives them priority ('G') as our engine assumes. */
  permittedLeft?: boolean;
  /** Stop at this simulation time (default: when every vehicle has arrived). */
  endSeconds?: number;
}

export function runSumo(network: Network, departures: VehicleDeparture[], dir: string, options: SumoRunOptions = {}): SumoRun {
  const vType = options.vType ?? SUMO_PASSENGER_CAR;
  const permittedLeft = options.permittedLeft ?? true;
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  fs.writeFileSync(file('net.nod.xml'), sumoNodesXml(network));
  fs.writeFileSync(file('net.edg.xml'), sumoEdgesXml(network));
  fs.writeFileSync(file('net.con.xml'), sumoConnectionsXml(network));
  fs.writeFileSync(file('net.tll.xml'), sumoTlsXml(network, { permittedLeft }));
  fs.writeFileSync(file('routes.rou.xml'), sumoRoutesXml(departures, vType, network));

  const t0 = performance.now();
  const netconvert = spawnSync('netconvert', [
    '--node-files', file('net.nod.xml'), '--edge-files', file('net.edg.xml'),
    '--connection-files', file('net.con.xml'), '--tllogic-files', file('net.tll.xml'),
    '--no-internal-links', 'true', '--no-turnarounds', 'true', '--output-file', file('net.net.xml'),
  ], { encoding: 'utf8' });
  const netconvertSeconds = (performance.now() - t0) / 1000;
  if (netconvert.status !== 0) throw new Error(`netconvert failed: ${netconvert.stderr}`);

  // /usr/bin/time reports sumo's CPU time and peak memory (this machine's cores are shared)
  const timed = fs.existsSync('/usr/bin/time');
  const timeFile = file('sumo.time');
  const t1 = performance.now();
  const sumo = spawnSync(timed ? '/usr/bin/time' : 'sumo', [
    ...(timed ? ['-f', '%U %S %M', '-o', timeFile, 'sumo'] : []),
    '--net-file', file('net.net.xml'), '--route-files', file('routes.rou.xml'),
    '--tripinfo-output', file('tripinfo.xml'), '--step-length', '1',
    '--no-step-log', 'true', '--duration-log.disable', 'true', '--seed', '1',
    '--time-to-teleport', '300', '--ignore-route-errors', 'true',
    ...(options.endSeconds !== undefined ? ['--end', String(options.endSeconds)] : []),
  ], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const sumoSeconds = (performance.now() - t1) / 1000;
  if (sumo.status !== 0) throw new Error(`sumo failed: ${sumo.stderr}`);
  const teleports = (sumo.stderr.match(/Teleporting vehicle/g) ?? []).length;
  let sumoCpuSeconds: number | null = null;
  let sumoPeakRssMb: number | null = null;
  if (timed) {
    const [user, system, maxRssKb] = fs.readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
    sumoCpuSeconds = user + system;
    sumoPeakRssMb = maxRssKb / 1024;
  }
  return { netconvertSeconds, sumoSeconds, sumoCpuSeconds, sumoPeakRssMb, trips: readTripinfo(fs.readFileSync(file('tripinfo.xml'), 'utf8')), teleports, version: sumoVersion() };
}

export function readTripinfo(xml: string): Map<number, SumoTrip> {
  const trips = new Map<number, SumoTrip>();
  const attr = (tag: string, name: string) => Number(new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1]);
  for (const match of xml.matchAll(/<tripinfo\s[^>]*>/g)) {
    const tag = match[0];
    const id = attr(tag, 'id');
    trips.set(id, {
      id, depart: attr(tag, 'depart'), departDelay: attr(tag, 'departDelay'), arrival: attr(tag, 'arrival'),
      duration: attr(tag, 'duration'), routeLength: attr(tag, 'routeLength'), timeLoss: attr(tag, 'timeLoss'), waitingTime: attr(tag, 'waitingTime'),
    });
  }
  return trips;
}
