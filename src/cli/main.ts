import { Command, CommanderError, Option } from 'commander';
import { fail, WAIT_OPTION } from './output.js';
import { EXIT_CODE, UsageError } from '../model/errors.js';

// a reader that stops early (`opencim check ... | head`) closes the pipe: that ends the output, it is not an error
for (const out of [process.stdout, process.stderr]) {
  out.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); throw e; });
}

const program = new Command();
program
  .name('opencim')
  .description('OpenCIM: open City Information Modeling. 城市信息模型平台: 数据底座, 步行可达性, 城市体检')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  // a command's options come before its subcommands (`jobs --db D` lists, `jobs submit K --db D` submits)
  .enablePositionalOptions();

const dbOption = () => new Option('--db <db>', 'store: a folder (embedded PGlite) or a postgres:// URL; default $DATABASE_URL or ./.opencim/db');
/** PGlite folders are one process at a time: wait for the holder instead of failing at once */
const waitOption = () => new Option(...WAIT_OPTION);
/** how a file is read (import, and check FILE): one definition of each option */
const readerOption = {
  crs: () => new Option('--crs <crs>', 'CRS of GeoJSON/CSV/Shapefile coordinates, e.g. EPSG:4547 (default: .prj or EPSG:4326)'),
  coords: () => new Option('--coords <system>', 'Chinese web-map coordinates to convert to WGS84').choices(['wgs84', 'gcj02', 'bd09']),
  lon: () => new Option('--lon <field>', 'CSV longitude column (default lon/lng/longitude/经度)'),
  lat: () => new Option('--lat <field>', 'CSV latitude column (default lat/latitude/纬度)'),
  encoding: () => new Option('--encoding <enc>', 'text encoding of .dbf/.csv (e.g. gbk)'),
  map: () => new Option('--map <mapping>', 'property mapping for non-OSM data, e.g. kind=building,height=HEIGHT,levels=FLOORS,name=NAME'),
};
const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};

program.command('import')
  .description('导入城市数据 import city data files (OSM .osm.pbf/.osm/.osm.gz, GeoJSON, Shapefile, CSV) into the store, one transaction')
  .argument('<files...>', 'input files')
  .addOption(dbOption())
  .addOption(waitOption())
  .option('--city <name>', 'city id the data belongs to', 'default')
  .option('--source <name>', 'source name (default: file name without extension); re-importing a source replaces its records')
  .option('--json', 'print the summary as JSON')
  .option('-q, --quiet', 'no progress on stderr')
  .addOption(readerOption.crs()).addOption(readerOption.coords()).addOption(readerOption.lon()).addOption(readerOption.lat())
  .addOption(readerOption.encoding()).addOption(readerOption.map())
  .option('--workers <n>', 'PBF decoding threads', int('--workers'))
  .option('--actor <name>', 'who loads the data, recorded in the archive (default $OPENCIM_ACTOR or cli:<user>)')
  .option('--reason <text>', 'why, recorded in the archive (default "import FILE")')
  .option('--allow-distant', 'take data lying more than 150 km from what the city holds (a city that wide, e.g. Chongqing); else such a file is taken for another city\'s and refused (允许远离本市已有数据的文件)')
  .addOption(new Option('--kind <kind>', 'what the files are: population = a census table (CSV: area_code or area_name, population, households) or a population raster (GeoTIFF) 人口数据').choices(['population']))
  .option('--year <y>', 'reference year of the population data', int('--year'))
  .action(async (files: string[], o) => { await (await import('./import.js')).importCommand(files, o); });

program.command('stats')
  .description('数据概况 what the store holds: counts per kind and facility category, extent, sources and versions')
  .addOption(dbOption())
  .addOption(waitOption())
  .option('--city <name>', 'only this city')
  .option('--as-of <time>', 'the city as it was then: YYYY-MM-DD (end of that day, UTC) or an ISO date-time (档案: 历史时点)')
  .option('--json', 'JSON output')
  .option('-q, --quiet', 'no progress on stderr (stats prints none; accepted like every command)')
  .action(async (o) => { await (await import('./stats.js')).statsCommand(o); });

program.command('generate')
  .description('生成模拟城市 write a deterministic synthetic city (streets, compounds, facilities with gaps, parks, admin areas)')
  .requiredOption('--out <file>', 'output .osm.pbf or .osm')
  .option('--buildings <n>', 'number of buildings', int('--buildings'), 10000)
  .option('--seed <s>', 'random seed', int('--seed'), 1)
  .option('--json', 'print the whole summary as JSON (else a short one for a person)')
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (o) => { await (await import('./generate.js')).generateCommand(o); });

program.command('fetch')
  .description('下载 OSM 数据 download OpenStreetMap data for a box from an Overpass API endpoint (needs internet)')
  .requiredOption('--bbox <W,S,E,N>', 'box in degrees')
  .requiredOption('--out <file>', 'output .osm file')
  .option('--url <url>', 'Overpass API interpreter URL', undefined)
  .option('--json', 'print what was written as JSON')
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (o) => { await (await import('./fetch.js')).fetchCommand(o); });

program.command('demo')
  .description('快速体验 quick start: generate the demo city, import it, compute accessibility and the health check, serve the viewer')
  .addOption(dbOption())
  .addOption(waitOption())
  .option('--buildings <n>', 'size of the demo city', int('--buildings'), 5000)
  .option('--port <n>', 'port of the viewer', int('--port'), 8080)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--no-serve', 'prepare the demo city and stop (no server)')
  .option('--json', 'print where the report and the viewer are as JSON (one line each on stdout), and no banner')
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (o) => { await (await import('./demo.js')).demoCommand(o); });

program.command('serve')
  .description('发布服务 serve the city: OGC API – Features, vector tiles, /api/v1 and the 3D viewer (城市地图) at http://HOST:PORT/')
  .addOption(dbOption())
  .addOption(waitOption())
  .option('--port <n>', 'port', int('--port'), 8080)
  .option('--host <host>', 'address to listen on (0.0.0.0 for all)', '127.0.0.1')
  .option('--cors <origins>', 'CORS: "*" (default), "off", or comma-separated origins')
  .option('--private', 'reads need a bearer token too (a user\'s from `opencim users add`, or OPENCIM_TOKENS="token:role,..." with tokens of 16 characters or more)')
  .addOption(new Option('--tiles <engine>', 'vector tiles cut in the app, or by ST_AsMVT on a PostgreSQL server').choices(['auto', 'app', 'postgis']).default('auto'))
  .option('--tile-cache <n>', 'tiles kept in memory', int('--tile-cache'), 2000)
  .option('--basemap <url>', 'optional raster basemap URL template ({z}/{x}/{y}); default none (works offline)')
  .option('--basemap-attribution <text>', 'attribution of the basemap')
  .option('--report <dir>', 'the output folder of `opencim check` (report.html, indicators.json) to serve and link')
  .option('--base-url <url>', 'public base URL of absolute links, e.g. https://cim.example.org (default $OPENCIM_BASE_URL, else the listening address); Host and X-Forwarded-* must agree with it')
  .option('--statement-timeout <ms>', 'read queries running longer are cancelled with a 504 (0: no limit; PostgreSQL server only)', int('--statement-timeout'), 5000)
  .option('--processes <n>', 'server processes sharing the port (node:cluster; PostgreSQL server only)', int('--processes'), 1)
  .option('--log', 'log requests')
  .option('--json', 'once listening, print where everything is as one JSON line on stdout (instead of the banner)')
  .option('-q, --quiet', 'no banner on stderr')
  .action(async (o) => { await (await import('./serve.js')).serveCommand(o); });

program.command('check')
  .description('urban health check (城市体检): indicators, report, renewal candidates; writes indicators.json/.csv, access.csv, renewal.geojson, report.html')
  .argument('[file]', 'read the city from this file (.osm.pbf, .osm, .osm.gz, .geojson, ...) instead of the store; nothing is stored')
  .addOption(dbOption())
  .addOption(waitOption())
  .requiredOption('--out <dir>', 'output folder (required)')
  .option('--city <name>', 'city in the store (default: the only one); with FILE, the city id for the outputs')
  .option('--name <text>', 'city name shown in the report')
  .option('--catalogue <version>', 'indicator catalogue version (src/analysis/indicators/catalogue/*.json)', '2025')
  .option('--manual <file>', 'manually entered values: CSV or JSON with indicator_id,area_id,value,year,source')
  .option('--compare <file>', 'a previous indicators.json: year-on-year change')
  .option('--carbon <file>', 'carbon.json of `opencim carbon` (with --db: default the current carbon run): carbon_intensity, new_green_building_share, retrofit reasons')
  .option('--year <n>', 'reference year of the check (building ages); default the current year', int('--year'))
  .option('--param <key=value>', 'override a catalogue parameter (JSON value; repeatable), e.g. --param park_network_m=300', (v: string, prev: string[] = []) => [...prev, v])
  .option('--per-capita <m2>', 'floor area per resident, for the population estimate', (v: string) => { const n = Number(v); if (!(n > 0)) throw new UsageError(`--per-capita must be positive, got "${v}"`); return n; })
  .option('--cutoff <m>', 'walking search cut-off in metres', int('--cutoff'))
  .option('--snap-limit <m>', 'places farther than this from any walkable edge are unsnapped', int('--snap-limit'))
  .option('--polygon-reach <m>', 'parks and polygons are entered from edges within this distance', int('--polygon-reach'))
  .option('--workers <n>', 'search threads', int('--workers'))
  .option('--attribution <text>', 'data attribution shown in the report (default: "© OpenStreetMap contributors" for OSM data)')
  // with FILE: how it is read, as by import
  .addOption(readerOption.crs()).addOption(readerOption.coords()).addOption(readerOption.lon()).addOption(readerOption.lat())
  .addOption(readerOption.encoding()).addOption(readerOption.map())
  .option('--actor <name>', 'who runs it, recorded with the run (default $OPENCIM_ACTOR or cli:<user>)')
  .option('--json', 'print the summary as JSON')
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (file: string | undefined, o) => { await (await import('./check.js')).checkCommand(file, o); });

// Commands defined in their own modules, by the names they add. A run of one of them loads only
// its module (start-up is most of a small command's time); help, or a name not known here, loads all.
const specs: [string[], () => Promise<void>][] = [
  [['access'], async () => { program.addCommand((await import('./access.js')).accessCommandSpec(dbOption()).addOption(waitOption())); }],
  [['history', 'changes', 'archive'], async () => { for (const c of (await import('./archive.js')).archiveCommandSpecs(dbOption)) program.addCommand(c); }],
  [['users'], async () => { program.addCommand((await import('./users.js')).usersCommandSpec(dbOption)); }],
  [['jobs', 'worker'], async () => {
    const jobs = await import('./jobs.js');
    program.addCommand(jobs.jobsCommandSpec(dbOption));
    program.addCommand(jobs.workerCommandSpec(dbOption));
  }],
  [['safety'], async () => { program.addCommand((await import('./safety.js')).safetyCommandSpec(dbOption)); }],
  [['carbon'], async () => { program.addCommand((await import('./carbon.js')).carbonCommandSpec(dbOption())); }],
  [['tiles'], async () => { program.addCommand((await import('./tiles.js')).tilesCommandSpec(dbOption)); }],
  [['keys', 'cases', 'grids'], async () => { const ops = await import('./operations.js'); program.addCommand(ops.keysCommandSpec()).addCommand(ops.casesCommandSpec()).addCommand(ops.gridsCommandSpec()); }],
];
const named = process.argv.slice(2).find((a) => !a.startsWith('-'));
const inline = program.commands.some((c) => c.name() === named);
const one = specs.find(([names]) => names.includes(named ?? ''));
if (one) await one[1]();
else if (!inline) for (const [, add] of specs) await add();
// --wait reaches every store a command opens (openStore reads OPENCIM_WAIT)
program.hook('preAction', (_p, cmd) => {
  const w = cmd.opts().wait as string | true | undefined;
  if (w !== undefined) process.env.OPENCIM_WAIT = w === true ? 'true' : w;
});
// commander's own errors (an unknown option or command, a missing argument) are usage errors: exit 2,
// as the error module's table says; help and --version end with 0. Its message is already printed.
const override = (c: Command): void => { c.exitOverride(); c.commands.forEach(override); };
override(program);
program.parseAsync(process.argv).catch((e) => {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : EXIT_CODE.usage);
  fail(e);
});
