import { userInfo } from 'node:os';

/** Who a CLI write is recorded as: `--actor NAME`, else $OPENCIM_ACTOR, else `cli:<os user>`. */
export function cliActor(explicit?: string): string {
  const a = (explicit ?? process.env.OPENCIM_ACTOR ?? '').trim();
  if (a) return a.slice(0, 200);
  let user = 'unknown';
  try { user = userInfo().username || user; } catch { /* no passwd entry (containers) */ }
  return `cli:${user}`;
}
