import { Command, type Option } from 'commander';
import { cliActor } from './actor.js';
import { table, WAIT_OPTION } from './output.js';
import { UsageError } from '../model/errors.js';
import { ROLES } from '../store/principals.js';

interface UsersOptions { db?: string; actor?: string; json?: boolean; quiet?: boolean }

const actorOption = () => ['--actor <name>', 'who does this (default $OPENCIM_ACTOR, else cli:<os user>)'] as const;

/** `opencim users add|list|revoke`: named principals with roles (用户与角色); a token is printed once, only its hash is kept. */
export function usersCommandSpec(dbOption: () => Option): Command {
  const users = new Command('users')
    .description('people and roles (用户与角色): add a user with roles and a token (shown once), list, revoke');
  users.command('add')
    .description('add a user with roles; prints the bearer token once (only its SHA-256 is stored) / 添加用户, 令牌只显示一次')
    .argument('<name>', 'user name: letters, digits, _ . @ -')
    .requiredOption('--role <roles>', `comma-separated roles: ${ROLES.join(', ')} (admin holds all)`)
    .addOption(dbOption())
    .option(...WAIT_OPTION)
    .option(...actorOption())
    .option('--json', 'print the user and token as JSON')
    .option('-q, --quiet', 'print only the token')
    .action(async (name: string, o: UsersOptions & { role: string }) => { await usersAdd(name, o); });
  users.command('list')
    .description('list users, their roles and whether they are revoked / 用户列表')
    .addOption(dbOption())
    .option(...WAIT_OPTION)
    .option('--json', 'JSON output')
    .option('-q, --quiet', 'names only')
    .action(async (o: UsersOptions) => { await usersList(o); });
  users.command('revoke')
    .description('revoke a user: their token is refused from now on (running servers: within 2 s) / 撤销用户')
    .argument('<name>', 'user name')
    .addOption(dbOption())
    .option(...WAIT_OPTION)
    .option(...actorOption())
    .option('--json', 'JSON output')
    .option('-q, --quiet', 'no output')
    .action(async (name: string, o: UsersOptions) => { await usersRevoke(name, o); });
  return users;
}

async function withStore<T>(db: string | undefined, fn: (store: import('../store/driver.js').Store) => Promise<T>): Promise<T> {
  const { openStore } = await import('../store/driver.js');
  const store = await openStore(db);
  try {
    return await fn(store);
  } catch (e) {
    if ((e as Error).name === 'PrincipalError') throw new UsageError((e as Error).message);
    throw e;
  } finally {
    await store.close();
  }
}

async function usersAdd(name: string, o: UsersOptions & { role: string }): Promise<void> {
  const { addPrincipal, parseRoles } = await import('../store/principals.js');
  const actor = cliActor(o.actor);
  let roles;
  try { roles = parseRoles(o.role); } catch (e) { throw new UsageError((e as Error).message); }
  const { principal, token } = await withStore(o.db, (s) => addPrincipal(s, { name, roles, createdBy: actor }));
  if (o.json) { process.stdout.write(JSON.stringify({ ...principal, token }, null, 2) + '\n'); return; }
  if (o.quiet) { process.stdout.write(token + '\n'); return; }
  process.stdout.write(`user ${principal.name} added (已添加用户), roles ${principal.roles.join(', ')}, by ${principal.created_by}\n` +
    `token, shown only this once: keep it safe (令牌只显示这一次, 请妥善保存):\n${token}\n`);
}

async function usersList(o: UsersOptions): Promise<void> {
  const { listPrincipals } = await import('../store/principals.js');
  const rows = await withStore(o.db, (s) => listPrincipals(s));
  if (o.json) { process.stdout.write(JSON.stringify({ users: rows }, null, 2) + '\n'); return; }
  if (o.quiet) { for (const r of rows) process.stdout.write(r.name + '\n'); return; }
  if (!rows.length) { process.stdout.write('no users yet (尚无用户): opencim users add NAME --role viewer\n'); return; }
  process.stdout.write(table([
    ['name 用户', 'roles 角色', 'status 状态', 'created 创建', 'by', 'revoked 撤销'],
    ...rows.map((r) => [r.name, r.roles.join(','), r.revoked_at ? 'revoked 已撤销' : 'active 有效', r.created_at, r.created_by, r.revoked_at ? `${r.revoked_at} by ${r.revoked_by}` : '']),
  ]) + '\n');
}

async function usersRevoke(name: string, o: UsersOptions): Promise<void> {
  const { revokePrincipal } = await import('../store/principals.js');
  const actor = cliActor(o.actor);
  const row = await withStore(o.db, (s) => revokePrincipal(s, name, actor));
  if (o.json) { process.stdout.write(JSON.stringify(row, null, 2) + '\n'); return; }
  if (!o.quiet) process.stdout.write(`user ${row.name} revoked (已撤销) at ${row.revoked_at} by ${row.revoked_by}\n`);
}
