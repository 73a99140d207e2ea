/**
 * Who each message mentions, for the conversation list's @ badge: the rows are written with the
 * message, in its send transaction (send-appender.ts); a recall deletes them (SqlMessageStore.recall).
 */
export interface MentionStore {
  /**
   * Per conversation, how many messages after `afterSeq` (up to `maxSeq`) mention `userId` or
   * @all, not counting the user's own messages. Conversations without any are absent.
   */
  unreadCounts(
    userId: string,
    ranges: ReadonlyArray<{ conversationId: string; afterSeq: number; maxSeq: number }>,
  ): Promise<Map<string, number>>
}
