import { CompiledQuery, type Kysely, type QueryResult } from 'kysely'
import type { Capabilities } from './capabilities.js'
import type { Database } from './db-schema.js'

/**
 * A hot-path statement written once as SQL text with `?` placeholders and compiled once per
 * dialect at start (PostgreSQL numbers them `$1, $2...`), so a call only binds parameters:
 * no query building per request. SQLite then reuses its prepared statement by text (see the
 * statement cache in database.ts).
 */
export class CompiledStatement<Row> {
  readonly #text: string

  constructor(caps: Capabilities, text: string) {
    let n = 0
    this.#text = caps.dialect === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text
  }

  execute(db: Kysely<Database>, parameters: readonly unknown[]): Promise<QueryResult<Row>> {
    return db.executeQuery<Row>(CompiledQuery.raw(this.#text, parameters as unknown[]))
  }
}
