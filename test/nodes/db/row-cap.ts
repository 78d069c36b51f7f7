// The IRONFLOW_DB_MAX_ROWS check, shared by the SQLite and PostgreSQL suites: `capped` must hold 20 rows.
import { expect } from 'vitest';
import { overrideSetting } from '../../../src/config/settings.js';

type Query = (sql: string) => Promise<Record<string, unknown>>;

export async function expectRowCap(query: Query): Promise<void> {
  overrideSetting('IRONFLOW_DB_MAX_ROWS', 10);
  try {
    await expect(query('SELECT id FROM capped')).rejects.toThrow(
      'db_query failed: the query returned more than 10 rows (IRONFLOW_DB_MAX_ROWS)',
    );
    expect((await query('SELECT id FROM capped ORDER BY id LIMIT 10')).rows_count).toBe(10);
  } finally {
    overrideSetting('IRONFLOW_DB_MAX_ROWS', undefined);
  }
  expect((await query('SELECT id FROM capped')).rows_count).toBe(20);
}
