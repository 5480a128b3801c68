import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

/** A Kysely handle: the database itself or an open transaction on it. */
export type Db = Kysely<Database> | Transaction<Database>;

/**
 * What a SQL-backed sub-store (senders, contacts, campaigns…) needs from the store it lives in: the dialect,
 * the database for reads, and the store's write transaction (BEGIN IMMEDIATE on SQLite, serialised with every
 * other write of the process; an ordinary transaction on PostgreSQL).
 */
export interface SqlContext {
  readonly dialect: 'sqlite' | 'postgres';
  readonly db: Kysely<Database>;
  writeTx<T>(fn: (trx: Db) => Promise<T>): Promise<T>;
}
