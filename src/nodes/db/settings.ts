// Limits of the database nodes (db_query, db_exec). Pool settings are read when a pool or a SQLite handle
// is created; the row limit for every query.
import { defineSetting } from '../../config/settings.js';

export const DB = {
  poolSize: defineSetting<number>({
    env: 'IRONFLOW_DB_POOL_SIZE',
    kind: 'int',
    min: 1,
    max: 1000,
    default: 10,
    description:
      'Most connections the PostgreSQL pool of one database URL opens (one pool per URL, shared by all steps and runs).',
  }),
  connectTimeout: defineSetting<number>({
    env: 'IRONFLOW_DB_CONNECT_TIMEOUT_SECONDS',
    kind: 'number',
    min: 0,
    default: 10,
    description: 'Time allowed to open one PostgreSQL connection (TCP, TLS and login); 0 waits forever.',
  }),
  idleTimeout: defineSetting<number>({
    env: 'IRONFLOW_DB_IDLE_TIMEOUT_SECONDS',
    kind: 'number',
    min: 0,
    default: 30,
    description: 'An idle pooled PostgreSQL connection is closed after this many seconds; 0 keeps it open.',
  }),
  maxRows: defineSetting<number>({
    env: 'IRONFLOW_DB_MAX_ROWS',
    kind: 'int',
    min: 0,
    default: 1_000_000,
    description:
      'Most rows one db_query may return; more fails the step, and rows past the limit are not kept in memory. 0 disables.',
  }),
  sqliteBusyTimeout: defineSetting<number>({
    env: 'IRONFLOW_DB_SQLITE_BUSY_TIMEOUT_MS',
    kind: 'int',
    min: 0,
    default: 5000,
    description: 'How long a SQLite statement waits for a lock held by another connection before failing.',
  }),
};
