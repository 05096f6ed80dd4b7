import { Command, Option } from 'commander';
import { fail, UsageError } from './output.js';

const program = new Command();
program
  .name('opencim')
  .description('OpenCIM: open City Information Modeling. 城市信息模型平台: 数据底座, 步行可达性, 城市体检')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

const dbOption = () => new Option('--db <db>', 'store: a folder (embedded PGlite) or a postgres:// URL; default $DATABASE_URL or ./.opencim/db');
const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};

program.command('import')
  .description('import city data files (OSM .osm.pbf/.osm, GeoJSON, Shapefile, CSV) into the store, one transaction')
  .argument('<files...>', 'input files')
  .addOption(dbOption())
  .option('--city <name>', 'city id the data belongs to', 'default')
  .option('--source <name>', 'source name (default: file name without extension); re-importing a source replaces its records')
  .option('--json', 'print the summary as JSON')
  .option('-q, --quiet', 'no progress on stderr')
  .option('--crs <crs>', 'CRS of GeoJSON/CSV/Shapefile coordinates, e.g. EPSG:4547 (default: .prj or EPSG:4326)')
  .addOption(new Option('--coords <system>', 'Chinese web-map coordinates to convert to WGS84').choices(['wgs84', 'gcj02', 'bd09']))
  .option('--lon <field>', 'CSV longitude column (default lon/lng/longitude/经度)')
  .option('--lat <field>', 'CSV latitude column (default lat/latitude/纬度)')
  .option('--encoding <enc>', 'text encoding of .dbf/.csv (e.g. gbk)')
  .option('--map <mapping>', 'property mapping for non-OSM data, e.g. kind=building,height=HEIGHT,levels=FLOORS,name=NAME')
  .option('--workers <n>', 'PBF decoding threads', int('--workers'))
  .action(async (files: string[], o) => { await (await import('./import.js')).importCommand(files, o); });

program.command('stats')
  .description('what the store holds: counts per kind and facility category, extent, sources and versions')
  .addOption(dbOption())
  .option('--city <name>', 'only this city')
  .option('--json', 'JSON output')
  .action(async (o) => { await (await import('./stats.js')).statsCommand(o); });

program.command('generate')
  .description('write a deterministic synthetic city (streets, compounds, facilities with gaps, parks, admin areas)')
  .requiredOption('--out <file>', 'output .osm.pbf or .osm')
  .option('--buildings <n>', 'number of buildings', int('--buildings'), 10000)
  .option('--seed <s>', 'random seed', int('--seed'), 1)
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (o) => { await (await import('./generate.js')).generateCommand(o); });

program.command('fetch')
  .description('download OpenStreetMap data for a box from an Overpass API endpoint (needs internet)')
  .requiredOption('--bbox <W,S,E,N>', 'box in degrees')
  .requiredOption('--out <file>', 'output .osm file')
  .option('--url <url>', 'Overpass API interpreter URL', undefined)
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (o) => { await (await import('./fetch.js')).fetchCommand(o); });

program.command('demo')
  .description('quick start: generate the demo city, import it into the embedded store and print a summary')
  .addOption(dbOption())
  .option('--buildings <n>', 'size of the demo city', int('--buildings'), 5000)
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (o) => { await (await import('./demo.js')).demoCommand(o); });

program.addCommand((await import('./access.js')).accessCommandSpec(dbOption()));
program.parseAsync(process.argv).catch(fail);
