import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Channel } from './channel.js';
import {
  applyPatch,
  ChannelRegistryError,
  validChannel,
  type ChannelChange,
  type ChannelPatch,
  type ChannelRegistry,
} from './channel-registry.js';
import { channelSchema } from './channel-schema.js';
import { ChannelWatchers } from './channel-watchers.js';

export interface SqliteChannelRegistryOptions {
  /** The database file; its directory is created when missing. `:memory:` works too. */
  file: string;
  /** Channels written on the very first open of the file (never again, even if deleted). */
  seed: readonly Channel[];
  /** Where a throwing watcher's error goes. @default rethrown in a microtask */
  onListenerError?: (err: unknown) => void;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS channels (id TEXT PRIMARY KEY, data TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
`;

interface Row {
  data: string;
}

/**
 * Channels in a SQLite file (better-sqlite3), one JSON row per channel. Calls are synchronous
 * under the hood; each write is one immediate transaction, so two processes sharing the file
 * (WAL mode) never lose an update. Watchers hear this process's writes only.
 */
export class SqliteChannelRegistry implements ChannelRegistry {
  private readonly db: Database.Database;
  private readonly watchers: ChannelWatchers;
  private closed = false;

  constructor({ file, seed, onListenerError }: SqliteChannelRegistryOptions) {
    try {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
    } catch (err) {
      throw new ChannelRegistryError('store', `cannot open the channel database ${file}`, {
        cause: err,
      });
    }
    this.watchers = new ChannelWatchers(onListenerError);
    this.db
      .transaction(() => {
        const first = this.db
          .prepare("INSERT INTO meta (key, value) VALUES ('seeded', ?) ON CONFLICT DO NOTHING")
          .run(new Date().toISOString());
        if (first.changes === 0) return;
        for (const c of seed) this.insert(validChannel(c));
      })
      .immediate();
  }

  list(): Promise<Channel[]> {
    return this.run(() =>
      this.db
        .prepare<[], Row>('SELECT data FROM channels ORDER BY id')
        .all()
        .map((r) => parse(r.data)),
    );
  }

  get(id: string): Promise<Channel | undefined> {
    return this.run(() => this.read(id));
  }

  create(channel: Channel): Promise<Channel> {
    return this.run(() => {
      const after = validChannel(channel);
      if (this.insert(after) === 0) {
        throw new ChannelRegistryError('exists', `channel '${after.id}' exists`);
      }
      this.watchers.emit({ kind: 'created', id: after.id, after: structuredClone(after) });
      return after;
    });
  }

  update(id: string, patch: ChannelPatch): Promise<Channel | undefined> {
    return this.run(() => {
      const change = this.db
        .transaction((): Extract<ChannelChange, { kind: 'updated' }> | undefined => {
          const before = this.read(id);
          if (!before) return undefined;
          const after = applyPatch(before, patch);
          this.db
            .prepare('UPDATE channels SET data = ? WHERE id = ?')
            .run(JSON.stringify(after), id);
          return { kind: 'updated', id, before, after };
        })
        .immediate();
      if (!change) return undefined;
      this.watchers.emit(structuredClone(change));
      return change.after;
    });
  }

  delete(id: string): Promise<boolean> {
    return this.run(() => {
      const before = this.db
        .transaction(() => {
          const found = this.read(id);
          if (found) this.db.prepare('DELETE FROM channels WHERE id = ?').run(id);
          return found;
        })
        .immediate();
      if (!before) return false;
      this.watchers.emit({ kind: 'deleted', id, before });
      return true;
    });
  }

  watch(listener: (change: ChannelChange) => void): () => void {
    return this.watchers.add(listener);
  }

  destroy(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.watchers.clear();
      this.db.close();
    }
    return Promise.resolve();
  }

  private read(id: string): Channel | undefined {
    const row = this.db.prepare<[string], Row>('SELECT data FROM channels WHERE id = ?').get(id);
    return row && parse(row.data);
  }

  /** Rows inserted: 0 when the id is taken. */
  private insert(channel: Channel): number {
    return this.db
      .prepare('INSERT INTO channels (id, data) VALUES (?, ?) ON CONFLICT DO NOTHING')
      .run(channel.id, JSON.stringify(channel)).changes;
  }

  /** Runs a synchronous query as a promise; SQLite failures become `store` errors. */
  private run<T>(fn: () => T): Promise<T> {
    return Promise.resolve().then(() => {
      if (this.closed) throw new ChannelRegistryError('store', 'the channel registry is closed');
      try {
        return fn();
      } catch (err) {
        if (err instanceof ChannelRegistryError) throw err;
        throw new ChannelRegistryError('store', 'channel database failure', { cause: err });
      }
    });
  }
}

/** A stored row back into a channel; a row that no longer validates is a store failure. */
function parse(data: string): Channel {
  return channelSchema.parse(JSON.parse(data));
}
