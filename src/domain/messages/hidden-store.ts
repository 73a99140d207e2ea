/** Messages a user hid on their own devices ("delete for me"); others still see them. */
export interface HiddenStore {
  /**
   * Hides `seq` for `userId`, bumping the conversation's mod_seq in the same transaction (the
   * user's other devices learn of it through `changedSince`/resume). Null when already hidden.
   */
  hide(q: { userId: string; conversationId: string; seq: number; now: number }): Promise<{ modSeq: number } | null>
  /** Of these seqs, the ones `userId` hid. */
  hiddenAmong(userId: string, conversationId: string, seqs: readonly number[]): Promise<Set<number>>
  /** Seqs `userId` hid in the range after `modSeq`, ascending by that mod_seq (at most `limit`). */
  hiddenSince(
    userId: string,
    conversationId: string,
    q: { modSeq: number; minSeq: number; maxSeq: number; limit: number },
  ): Promise<Array<{ seq: number; modSeq: number }>>
}
