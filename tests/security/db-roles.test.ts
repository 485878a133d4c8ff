/**
 * Least privilege on the stack's real PostgreSQL: the record's and the eval server's runtime
 * roles (DATABASE_URL, EVAL_DATABASE_URL) reach only their own database, with DML only, and the
 * schema belongs to the owner roles the migration command runs as.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { roleOf } from '../../db/runtime-grants.js';
import { loadConfig } from '../../runtime/config.js';

const config = loadConfig();
const INSUFFICIENT_PRIVILEGE = '42501';

function onDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

/** Runs `work` on one connection as the role and database of `url`; the connection is closed after. */
async function as<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Asserts that `work` fails for lack of privilege (not for any other reason). */
async function refused(work: () => Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(work, (error: { code?: string; message?: string }) => {
    assert.equal(error.code, INSUFFICIENT_PRIVILEGE, `${what}: ${error.message}`);
    return true;
  });
}

/** Runs `sql` inside a transaction that is always rolled back, so a granted write changes nothing. */
const inRollback = (client: pg.Client, sql: string) =>
  client.query('BEGIN').then(() => client.query(sql).finally(() => client.query('ROLLBACK')));

test('the record runtime role cannot read the test labels of the eval database', async () => {
  const evalAsRecordRole = onDatabase(config.DATABASE_URL, databaseOf(config.EVAL_DATABASE_URL));
  await refused(
    () => as(evalAsRecordRole, (client) => client.query('SELECT test_labels FROM tasks')),
    'the record role reading tasks.test_labels',
  );
});

test('the eval runtime role cannot insert, update or delete in the record database', async () => {
  const recordAsEvalRole = onDatabase(config.EVAL_DATABASE_URL, databaseOf(config.DATABASE_URL));
  for (const sql of [
    "INSERT INTO campaigns (id) SELECT 'x' WHERE false",
    'UPDATE campaigns SET id = id WHERE false',
    'DELETE FROM campaigns WHERE false',
  ]) {
    await refused(() => as(recordAsEvalRole, (client) => inRollback(client, sql)), `the eval role: ${sql}`);
  }
});

test('neither runtime role is a superuser or may create roles or databases', async () => {
  for (const url of [config.DATABASE_URL, config.EVAL_DATABASE_URL]) {
    const attributes = await as(url, (client) =>
      client.query(
        'SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = current_user',
      ),
    );
    assert.deepEqual(
      attributes.rows,
      [{ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false }],
      `attributes of ${roleOf(url)}`,
    );
    await refused(
      () => as(url, (client) => client.query('CREATE ROLE aar_never_made')),
      `${roleOf(url)} CREATE ROLE`,
    );
  }
});

test('the eval runtime role may append to the audit log but not change or delete it', async () => {
  for (const sql of ['UPDATE audit_log SET entry = entry WHERE false', 'DELETE FROM audit_log WHERE false']) {
    await refused(() => as(config.EVAL_DATABASE_URL, (client) => inRollback(client, sql)), sql);
  }
  const rights = await as(config.EVAL_DATABASE_URL, (client) =>
    client.query(
      "SELECT has_table_privilege('audit_log', 'INSERT') AS insert, has_table_privilege('audit_log', 'SELECT') AS select",
    ),
  );
  assert.deepEqual(rights.rows, [{ insert: true, select: true }]);
});

test('the tables of both databases belong to owner roles apart from the runtime roles, and migrations ran as them', async () => {
  for (const [ownerUrl, runtimeUrl] of [
    [config.AAR_MIGRATE_DATABASE_URL, config.DATABASE_URL],
    [config.AAR_MIGRATE_EVAL_DATABASE_URL, config.EVAL_DATABASE_URL],
  ] as const) {
    const owner = roleOf(ownerUrl);
    assert.notEqual(owner, roleOf(runtimeUrl), 'the migrations run as a role of their own');
    const tables = await as(runtimeUrl, (client) =>
      client.query<{ owner: string; count: string; superuser: boolean }>(
        `SELECT t.tableowner AS owner, count(*) AS count, r.rolsuper AS superuser
           FROM pg_tables t JOIN pg_roles r ON r.rolname = t.tableowner
          WHERE t.schemaname = 'public' GROUP BY t.tableowner, r.rolsuper`,
      ),
    );
    assert.equal(tables.rows.length, 1, `one owner of every table: ${JSON.stringify(tables.rows)}`);
    assert.equal(tables.rows[0]?.owner, owner, 'the owner role made the tables (and the migrations table)');
    assert.equal(tables.rows[0]?.superuser, false, 'the owner role is not a superuser');
  }
});

test('neither database lets PUBLIC connect', async () => {
  const acl = await as(config.DATABASE_URL, (client) =>
    client.query<{ datname: string }>(
      `SELECT d.datname FROM pg_database d
        WHERE d.datname = ANY ($1) AND (d.datacl IS NULL
          OR EXISTS (SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT'))`,
      [[databaseOf(config.DATABASE_URL), databaseOf(config.EVAL_DATABASE_URL)]],
    ),
  );
  assert.deepEqual(acl.rows, [], 'databases open to PUBLIC');
});
