/** Who each message mentions, for the conversation list's @ badge (a recall deletes its rows: SqlMessageStore.recall). */
export interface MentionStore {
  /** Records the mentions of a stored message (`*` for @all); a repeat is ignored. */
  record(q: { conversationId: string; seq: number; senderId: string; userIds: readonly string[] }): Promise<void>
  /**
   * Per conversation, how many messages after `afterSeq` (up to `maxSeq`) mention `userId` or
   * @all, not counting the user's own messages. Conversations without any are absent.
   */
  unreadCounts(
    userId: string,
    ranges: ReadonlyArray<{ conversationId: string; afterSeq: number; maxSeq: number }>,
  ): Promise<Map<string, number>>
}
