/** One admin action, as written to the audit log. */
export interface AuditEntry {
  id: string
  /** the admin who acted */
  actorId: string
  /** dotted verb, e.g. `user.disabled`, `registration.updated`, `world.closed` */
  action: string
  /** the user, group... acted on; null for global switches */
  targetId: string | null
  /** what changed, JSON-serializable */
  details: Record<string, unknown>
  createdAt: number
}

/**
 * The audit log: append-only, newest first by id (ULIDs sort by creation). Methods that change
 * something else take the entry and write both in one transaction, so no admin action commits
 * without its audit row.
 */
export interface AuditLogStore {
  /** Appends one entry (for actions whose change is written elsewhere, e.g. by other capabilities). */
  append(entry: AuditEntry): Promise<void>
  /** Entries with id < `beforeId` (all when null), newest first, at most `limit`. */
  list(query: { beforeId: string | null; limit: number }): Promise<AuditEntry[]>
  /** Writes run-time settings (insert or replace) and the entry, in one transaction. */
  setSettings(values: Record<string, string>, now: number, entry: AuditEntry): Promise<void>
}
