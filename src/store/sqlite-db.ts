import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";

/** A prepared statement of Node's built-in SQLite. */
export type Statement = StatementSync;

/** A value a statement binds to a `?`. */
export type Param = SQLInputValue;

/** A function run in one transaction; `.immediate` takes the write lock first (BEGIN IMMEDIATE). */
export type Transaction<A extends unknown[], R> = ((...args: A) => R) & { immediate: (...args: A) => R };

/** The message Node prints once per process when `node:sqlite` loads (Node 22 and 24 call it experimental). */
const EXPERIMENTAL = /^SQLite is an experimental feature/;

/**
 * Runs `fn` (which loads `node:sqlite`) with exactly Node's experimental warning about SQLite
 * dropped: it names a Node feature, not a problem of the user's, and would otherwise print on
 * every command on Node 22. Any other warning emitted meanwhile goes through.
 */
export function withoutSqliteWarning<T>(fn: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const name = warning instanceof Error ? warning.name : type;
    const text = warning instanceof Error ? warning.message : warning;
    if (name === "ExperimentalWarning" && EXPERIMENTAL.test(text)) return;
    return (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return fn();
  } finally {
    process.emitWarning = emit;
  }
}

/** Node's SQLite, loaded when the first store opens: commands that open none never pay for it. */
const sqlite = (): typeof import("node:sqlite") =>
  withoutSqliteWarning(() => process.getBuiltinModule("node:sqlite") as typeof import("node:sqlite"));

/**
 * One SQLite file on Node's `DatabaseSync`, with what the store needs of it: statements prepared
 * once per SQL text, `pragma`, and transactions that nest as savepoints (the calls the store made
 * of better-sqlite3 before, so its SQL and its locking did not change).
 */
export class SqliteDb {
  private readonly statements = new Map<string, StatementSync>();
  private depth = 0;

  constructor(private readonly db: DatabaseSync) {}

  /** Opens a file, waiting up to `busyMs` for another process's lock before SQLITE_BUSY. */
  static open(file: string, busyMs: number): SqliteDb {
    const { DatabaseSync } = sqlite();
    const db = new SqliteDb(new DatabaseSync(file));
    // A pragma rather than the constructor's `timeout` option, which Node 22.13 does not have.
    db.pragma(`busy_timeout = ${busyMs}`);
    // better-sqlite3 built SQLite with a 16 MB page cache; Node's keeps SQLite's 2 MB default.
    // The runner's readers re-read recent log chunks while writers append: keep the larger one.
    db.pragma("cache_size = -16000");
    return db;
  }

  prepare(sql: string): StatementSync {
    let stmt = this.statements.get(sql);
    if (!stmt) this.statements.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  /** Runs `PRAGMA text` and returns the first column of its first row (the setting's value). */
  pragma(text: string): unknown {
    const row = this.db.prepare(`PRAGMA ${text}`).get() as Record<string, unknown> | undefined;
    return row ? Object.values(row)[0] : undefined;
  }

  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R> {
    const run =
      (begin: string) =>
      (...args: A): R => {
        // Inside a transaction already: a savepoint, so an inner failure undoes only its own writes.
        const nested = this.depth > 0;
        const name = `stax_${this.depth}`;
        if (nested) this.db.exec(`SAVEPOINT ${name}`);
        else this.prepare(begin).run();
        this.depth++;
        try {
          const result = fn(...args);
          this.depth--;
          if (nested) this.db.exec(`RELEASE ${name}`);
          else this.prepare("COMMIT").run();
          return result;
        } catch (err) {
          this.depth--;
          // SQLite may have rolled the transaction back itself (a full disk): then there is nothing to undo.
          try {
            this.db.exec(nested ? `ROLLBACK TO ${name}; RELEASE ${name}` : "ROLLBACK");
          } catch {}
          throw err;
        }
      };
    return Object.assign(run("BEGIN"), { immediate: run("BEGIN IMMEDIATE") });
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }
}

const CODES: Record<number, string> = {
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  8: "SQLITE_READONLY",
  11: "SQLITE_CORRUPT",
  14: "SQLITE_CANTOPEN",
  26: "SQLITE_NOTADB",
};

/** The SQLite result code of an error of `node:sqlite` (`SQLITE_BUSY`, …), else the error's own code. */
export function sqliteCode(err: unknown): string | undefined {
  const e = err as { code?: string; errcode?: number };
  // Node reports every SQLite failure as ERR_SQLITE_ERROR with the (possibly extended) code beside it.
  if (e.code === "ERR_SQLITE_ERROR" && typeof e.errcode === "number")
    return CODES[e.errcode & 0xff] ?? `SQLITE_${e.errcode}`;
  return e.code;
}
