/**
 * Open311 API keys: `opencim keys add NAME` stores the SHA-256 of a random key (shown once);
 * `OPENCIM_OPEN311_KEYS=key,...` adds keys for scripts. A key names the client (the actor of its
 * writes: `open311:NAME`).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../../store/driver.js';

export const hashKey = (k: string) => createHash('sha256').update(k).digest();

export async function addKey(q: Queryable, name: string, actor: string): Promise<string> {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new Error(`key name "${name}" must be 1-64 letters, digits, _ . - / 名称只能包含字母数字`);
  const key = randomBytes(24).toString('base64url');
  const [dup] = await q.query('SELECT 1 FROM open311_keys WHERE name = $1', [name]);
  if (dup) throw new Error(`an Open311 key named "${name}" exists already / 该名称已存在`);
  await q.query('INSERT INTO open311_keys (name, key_hash, created_by) VALUES ($1, $2, $3)', [name, hashKey(key), actor]);
  return key;
}

export async function listKeys(q: Queryable) {
  return q.query<{ name: string; created_by: string; created_at: string; revoked_at: string | null }>(
    'SELECT name, created_by, created_at, revoked_at FROM open311_keys ORDER BY name');
}

export async function revokeKey(q: Queryable, name: string): Promise<boolean> {
  const r = await q.query('UPDATE open311_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING name', [name]);
  return r.length > 0;
}

/** resolves a given key to its client name; keys from the store are re-read every few seconds */
export class KeyRing {
  private cache: { at: number; keys: { hash: Buffer; name: string }[] } | null = null;
  private readonly env: { hash: Buffer; name: string }[];
  constructor(private q: Queryable, env = process.env.OPENCIM_OPEN311_KEYS, private ttlMs = 5000) {
    this.env = (env ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((k, i) => ({ hash: hashKey(k), name: `env${i + 1}` }));
  }
  async nameOf(key: string | undefined): Promise<string | null> {
    if (!key || key.length > 256) return null;
    if (!this.cache || Date.now() - this.cache.at > this.ttlMs) {
      const rows = await this.q.query<{ name: string; key_hash: Uint8Array }>('SELECT name, key_hash FROM open311_keys WHERE revoked_at IS NULL');
      this.cache = { at: Date.now(), keys: rows.map((r) => ({ name: r.name, hash: Buffer.from(r.key_hash) })) };
    }
    const h = hashKey(key);
    let name: string | null = null;
    for (const k of [...this.env, ...this.cache.keys]) if (timingSafeEqual(k.hash, h)) name = k.name;
    return name;
  }
}
