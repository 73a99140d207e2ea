import { useCallback, useEffect, useState } from 'react'
import type { ApiClient } from '@jim/client'

type Variant = 'original' | 'thumbnail'
const cache = new Map<string, { url: string; expiresAt: number }>()

/** A signed URL of a file (cached until shortly before it expires); `refresh` after a load error. */
export function useFileUrl(api: ApiClient, fileId: string | null, variant: Variant): { url: string | null; refresh: () => void } {
  const key = `${fileId}:${variant}`
  const cached = cache.get(key)
  const [url, setUrl] = useState<string | null>(cached && cached.expiresAt > Date.now() + 10_000 ? cached.url : null)
  const [attempt, setAttempt] = useState(0)
  useEffect(() => {
    if (!fileId) return
    const hit = cache.get(key)
    if (attempt === 0 && hit && hit.expiresAt > Date.now() + 10_000) {
      setUrl(hit.url)
      return
    }
    let live = true
    api
      .fileUrl(fileId, variant)
      .then((r) => {
        cache.set(key, { url: r.url, expiresAt: Date.parse(r.expiresAt) })
        if (live) setUrl(r.url)
      })
      .catch(() => {})
    return () => {
      live = false
    }
  }, [api, fileId, variant, key, attempt])
  const refresh = useCallback(() => {
    cache.delete(key)
    setAttempt((a) => (a < 3 ? a + 1 : a))
  }, [key])
  return { url, refresh }
}
