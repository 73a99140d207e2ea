/** WebSocket close codes of the API contract. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooLarge: 1009,
  /** the database could not check the token: reconnect after a pause */
  tryAgainLater: 1013,
  notAuthenticated: 4001,
  tooSlow: 4008,
  tooManySockets: 4029,
} as const
