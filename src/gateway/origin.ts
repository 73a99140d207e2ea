/**
 * Browsers send `Origin` on WebSocket upgrades; a page on another site must not open a socket
 * with a user's token (cross-site WebSocket hijacking). Allowed: no Origin (not a browser),
 * the configured public URL's origin, or the same origin the request came to.
 */
export function isAllowedOrigin(origin: string | undefined, host: string | undefined, publicUrl: string): boolean {
  if (!origin) return true
  let parsed: URL
  try {
    parsed = new URL(origin)
  } catch {
    return false
  }
  if (parsed.origin === new URL(publicUrl).origin) return true
  return host !== undefined && parsed.host === host
}
