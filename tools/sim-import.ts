/**
 * `npm run sim:import -- --sumo net.xml [--routes rou.xml] --out <city dir> [--name n] [--flat-day]`
 * `npm run sim:import -- --cityflow roadnet.json [flow.json] --out <city dir> [--name n] [--flat-day]`
 *
 * Imports a SUMO or CityFlow network and its demand (libs/simulation/src/import) and writes
 * the city folder: crossings.json (fusion and the workers: CITY_DIR), sim-network.json (the
 * simulator: SIMULATOR_MODE=simulate SIM_NETWORK=imported CITY_DIR=<dir>) and vehicles.json
 * (the demand file's exact vehicles). Prints every note; refuses with the list of problems.
 * The same input gives byte-identical files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CityDefinitionSchema } from '@crosscast/contracts';
import { ImportError, ImportedNetwork, buildImportedCityFolder, cityFolderFiles, importCityFlow, importSumo } from '@crosscast/simulation';

export interface SimImportArgs {
  sumo?: string;
  routes?: string;
  cityflow?: string[];
  out: string;
  name?: string;
  flatDay?: boolean;
}

export function parseSimImportArgs(argv: string[]): SimImportArgs {
  const args: SimImportArgs = { out: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--sumo') args.sumo = argv[++i];
    else if (a === '--routes') args.routes = argv[++i];
    else if (a === '--out') args.out = argv[++i];
    else if (a === '--name') args.name = argv[++i];
    else if (a === '--flat-day') args.flatDay = true;
    else if (a === '--cityflow') {
      args.cityflow = [];
      while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) args.cityflow.push(argv[++i]);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!args.out || (!args.sumo === !args.cityflow) || (args.cityflow && (args.cityflow.length < 1 || args.cityflow.length > 2))) {
    throw new Error('usage: npm run sim:import -- --sumo net.xml [--routes rou.xml] --out <city dir> | --cityflow roadnet.json [flow.json] --out <city dir>  [--name <name>] [--flat-day]');
  }
  return args;
}

export function runSimImport(args: SimImportArgs): { imported: ImportedNetwork; files: string[] } {
  const read = (f: string) => fs.readFileSync(f, 'utf8');
  const imported = args.sumo
    ? importSumo(read(args.sumo), args.routes ? read(args.routes) : undefined)
    : importCityFlow(read(args.cityflow![0]), args.cityflow![1] ? read(args.cityflow![1]) : undefined);
  if (imported.signalised.length === 0) {
    // fusion and the workers run the signalised crossings: a city folder without one has nothing for them
    throw new Error(
      args.sumo
        ? `${args.sumo} has no traffic lights (junctions of type traffic_light with a tlLogic): a city needs at least one signalised crossing. netgenerate makes them with --tls.guess true (and roads of 2 lanes, e.g. --default.lanenumber 2) or --tls.set <junction ids>; netconvert with --tls.guess or --tls.set`
        : `${args.cityflow![0]} has no signalised intersection (every intersection is virtual): a city needs at least one`,
    );
  }
  const inputs = (args.sumo ? [args.sumo, args.routes] : args.cityflow!).filter((x): x is string => !!x).map((f) => path.basename(f));
  const folder = buildImportedCityFolder(imported, {
    name: args.name ?? path.basename(path.resolve(args.out)),
    source: inputs.join(' + '),
    dailyProfile: args.flatDay ? 'flat' : 'peaks',
  });
  CityDefinitionSchema.parse(folder.definition);
  fs.mkdirSync(args.out, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(cityFolderFiles(folder))) {
    const file = path.join(args.out, name);
    fs.writeFileSync(file, text);
    written.push(file);
  }
  return { imported, files: written };
}

if (require.main === module) {
  try {
    const args = parseSimImportArgs(process.argv.slice(2));
    const { imported, files } = runSimImport(args);
    const n = imported.network;
    console.log(`imported ${imported.format}: ${n.nodes.length} nodes, ${n.links.length} links, ${imported.signalised.length} signalised and ${n.crossings.length - imported.signalised.length} unsignalised crossings, ${imported.vehicles.length} vehicles`);
    if (imported.notes.length > 0) console.log(`notes (approximated or left out):\n${imported.notes.map((x) => `  - ${x}`).join('\n')}`);
    console.log(`wrote ${files.join(', ')}`);
    console.log(`run it: CITY_DIR=${args.out} for fusion and the workers; the simulator with SIMULATOR_MODE=simulate SIM_NETWORK=imported CITY_DIR=${args.out}`);
  } catch (e) {
    console.error(e instanceof ImportError ? e.message : `sim:import: ${(e as Error).message}`);
    process.exit(1);
  }
}
