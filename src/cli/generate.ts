import { generateCity } from '../generate/index.js';
import { Progress } from './output.js';

export async function generateCommand(o: { out: string; buildings: number; seed: number; json?: boolean; quiet?: boolean }) {
  const t0 = Date.now();
  const progress = new Progress('generate', o.quiet);
  const summary = await generateCity({
    out: o.out, buildings: o.buildings, seed: o.seed,
    onProgress: (done, total) => progress.update(`${Math.round((100 * done) / Math.max(1, total))}%`),
  });
  progress.done(`${o.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
