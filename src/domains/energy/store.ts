import type { Store } from '../../store/driver.js';
import type { CarbonResult } from './run.js';
import type { MeteredResolved } from './metered.js';
export async function saveCarbon(_s: Store, _c: string, _r: CarbonResult, _o: { actor: string; metered?: MeteredResolved; meteredFile?: string; provenance?: unknown }): Promise<number> { throw new Error('todo'); }
