import type { ConversationKind, Membership } from '../conversations/conversation.js'
import { AppError } from '../errors.js'

/**
 * Everything that decides whether a user may post in a conversation now, read at one
 * `membership_version` of it (every change of one of these facts bumps that version).
 */
export interface SendFacts {
  conversationId: string
  userId: string
  /** the conversation's membership_version when these facts were read */
  version: number
  kind: ConversationKind
  left: boolean
  role: Membership['role']
  /** group: personally muted until (epoch ms) */
  silencedUntil: number | null
  /** group: only owner and admins may speak */
  muteAll: boolean
  /** direct: a block either way */
  blocked: boolean
  /** direct: still friends */
  friends: boolean
  /** world: open to posts */
  worldOpen: boolean
  /** world: muted until (epoch ms) */
  worldMutedUntil: number | null
}

/**
 * The send rules, shared by sends, edits and recalls (an edit is a new text; a recall a new
 * post's worth of noise): member (not left), no block and still friends in direct chats, not
 * muted personally or by mute-all in groups (owner and admins excepted), `@all` only by group
 * owner and admins, world open and the user not muted there. Throws the refusal's AppError.
 */
export function checkSendPolicy(f: SendFacts, content: Record<string, unknown> | null, now: number): void {
  if (f.left) throw new AppError('conversation.not_found')
  const mentionsAll = (content?.mentions as string[] | undefined)?.includes('all') ?? false
  switch (f.kind) {
    case 'direct':
      if (f.blocked) throw new AppError('message.blocked')
      if (!f.friends) throw new AppError('message.not_friends')
      return
    case 'group': {
      const privileged = f.role === 'owner' || f.role === 'admin'
      // the owner may mute an admin (rank rule), so only the owner is beyond a personal mute
      if (f.silencedUntil !== null && f.silencedUntil > now && f.role !== 'owner') throw new AppError('message.muted')
      if (f.muteAll && !privileged) throw new AppError('message.group_muted')
      if (mentionsAll && !privileged) throw new AppError('message.mention_all_forbidden')
      return
    }
    case 'world':
      if (!f.worldOpen) throw new AppError('message.world_closed')
      if (f.worldMutedUntil !== null && f.worldMutedUntil > now) throw new AppError('message.muted')
      if (mentionsAll) throw new AppError('message.mention_all_forbidden')
      return
  }
}
