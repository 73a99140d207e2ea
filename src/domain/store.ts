import type { AccountStore } from './security/account-store.js'
import type { AuditLogStore } from './admin/audit-log-store.js'
import type { ConversationStore } from './conversations/conversation-store.js'
import type { EmailCodeStore } from './security/email-code-store.js'
import type { FileRecordStore } from './files/file-record-store.js'
import type { FriendStore } from './friends/friend-store.js'
import type { GroupStore } from './groups/group-store.js'
import type { MessageStore } from './messages/message-store.js'
import type { ReactionStore } from './messages/reaction-store.js'
import type { PinStore } from './messages/pin-store.js'
import type { HiddenStore } from './messages/hidden-store.js'
import type { MentionStore } from './messages/mention-store.js'
import type { CallStore } from './calls/call-store.js'
import type { MessageSearchStore } from './search/message-search-store.js'
import type { SessionStore } from './auth/session-store.js'
import type { SettingsStore } from './settings-store.js'
import type { UserStore } from './users/user-store.js'

/**
 * The system of record, as the domain sees it: one repository per concept. Each repository
 * method is use-case sized and runs its own transaction when it writes several rows.
 */
export interface Store {
  readonly users: UserStore
  readonly sessions: SessionStore
  readonly settings: SettingsStore
  readonly conversations: ConversationStore
  readonly messages: MessageStore
  readonly reactions: ReactionStore
  readonly pins: PinStore
  /** messages each user hid for themselves (delete for me) */
  readonly hidden: HiddenStore
  /** who each message mentions (the @ badge) */
  readonly mentions: MentionStore
  readonly calls: CallStore
  readonly search: MessageSearchStore
  readonly friends: FriendStore
  readonly groups: GroupStore
  readonly accounts: AccountStore
  readonly emailCodes: EmailCodeStore
  readonly auditLog: AuditLogStore
  /** uploaded files' metadata and refs (the bytes are in a FileStore) */
  readonly files: FileRecordStore
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>
  /** Closes the pool. */
  close(): Promise<void>
}
