export interface Session {
  id: string
  userId: string
  createdAt: number
  expiresAt: number
  revokedAt: number | null
  lastSeenAt: number
  userAgent: string
  ip: string
}
