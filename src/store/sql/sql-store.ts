import { sql } from 'kysely'
import type { Store } from '../../domain/store.js'
import type { SqlDatabase } from './database.js'
import { SqlAccountStore } from './sql-account-store.js'
import { SqlAuditLogStore } from './sql-audit-log-store.js'
import { SqlConversationStore } from './sql-conversation-store.js'
import { SqlEmailCodeStore } from './sql-email-code-store.js'
import { SqlFileRecordStore } from './sql-file-record-store.js'
import { SqlFriendStore } from './sql-friend-store.js'
import { SqlGroupStore } from './sql-group-store.js'
import { SqlMessageStore } from './sql-message-store.js'
import { SqlReactionStore } from './sql-reaction-store.js'
import { SqlCallStore } from './sql-call-store.js'
import { SqlPinStore } from './sql-pin-store.js'
import { SqlHiddenStore } from './sql-hidden-store.js'
import { SqlMentionStore } from './sql-mention-store.js'
import { SqlMessageSearchStore } from './sql-message-search-store.js'
import { createSendAppender } from './send-appender.js'
import { SqlSessionStore } from './sql-session-store.js'
import { SqlSettingsStore } from './sql-settings-store.js'
import { SqlUserStore } from './sql-user-store.js'

/** The one Store implementation, over any of the three dialects. */
export function createSqlStore(database: SqlDatabase): Store {
  const { db } = database
  return {
    users: new SqlUserStore(db),
    sessions: new SqlSessionStore(db),
    settings: new SqlSettingsStore(db),
    conversations: new SqlConversationStore(db, database.caps),
    messages: new SqlMessageStore(db, database.caps, createSendAppender(db, database.caps, database.sqlite)),
    reactions: new SqlReactionStore(db, database.caps),
    pins: new SqlPinStore(db, database.caps),
    hidden: new SqlHiddenStore(db, database.caps),
    mentions: new SqlMentionStore(db),
    calls: new SqlCallStore(db, database.caps),
    search: new SqlMessageSearchStore(db, database.caps),
    friends: new SqlFriendStore(db, database.caps),
    groups: new SqlGroupStore(db, database.caps),
    accounts: new SqlAccountStore(db),
    emailCodes: new SqlEmailCodeStore(db),
    auditLog: new SqlAuditLogStore(db),
    files: new SqlFileRecordStore(db, database.caps),
    ping: async () => {
      await sql`SELECT 1`.execute(db)
    },
    close: () => db.destroy(),
  }
}
