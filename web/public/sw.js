/* JIM's service worker: caches the app shell (so JIM opens without a network and says it is
 * offline), shows Web Push notifications, and opens the chat a notification is about.
 * Plain JavaScript served as-is from the site root (a service worker's scope is its folder). */
/* global self, caches, Response */
'use strict'

const CACHE = 'jim-shell-v1'
// the shell besides the hashed bundles, which install() reads from index.html
const CORE = ['/', '/offline.html', '/manifest.webmanifest', '/icons/icon-192.png', '/icons/badge-96.png']
// never cached: the API (authorized per user), docs and operator endpoints
const PASS_THROUGH = /^\/(api|docs|metrics|healthz|readyz)(\/|$)/

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE)
      await cache.addAll(CORE)
      await cacheShellAssets(cache, await cache.match('/'))
      await self.skipWaiting()
    })(),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name)
      await self.clients.claim()
    })(),
  )
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin || PASS_THROUGH.test(url.pathname)) return
  if (request.mode === 'navigate') event.respondWith(navigate(request))
  else if (url.pathname.startsWith('/assets/')) event.respondWith(cacheFirst(request))
  else event.respondWith(networkFirst(request))
})

/** Pages: the network's newest shell (kept for next time), else the cached shell, else the offline page. */
async function navigate(request) {
  const cache = await caches.open(CACHE)
  try {
    const response = await fetch(request)
    if (response.ok && new URL(request.url).pathname === '/') {
      await cache.put('/', response.clone())
      // a new build names new bundles: fetch them now, forget the old ones
      void cacheShellAssets(cache, response.clone(), true)
    }
    return response
  } catch {
    return (await cache.match('/')) || (await cache.match('/offline.html')) || Response.error()
  }
}

/** Hashed bundles never change under one name. */
async function cacheFirst(request) {
  const cache = await caches.open(CACHE)
  const hit = await cache.match(request)
  if (hit) return hit
  const response = await fetch(request)
  if (response.ok) await cache.put(request, response.clone())
  return response
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE)
  try {
    const response = await fetch(request)
    if (response.ok && CORE.includes(new URL(request.url).pathname)) await cache.put(request, response.clone())
    return response
  } catch {
    return (await cache.match(request)) || Response.error()
  }
}

/** Caches the scripts and styles index.html names; with `prune`, drops bundles it no longer names. */
async function cacheShellAssets(cache, indexResponse, prune = false) {
  if (!indexResponse) return
  const html = await indexResponse.text()
  const named = new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]))
  for (const path of named) if (!(await cache.match(path))) await cache.add(path).catch(() => {})
  if (!prune) return
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname
    if (path.startsWith('/assets/') && !named.has(path)) await cache.delete(request)
  }
}

// ---------------------------------------------------------------- Web Push

const TEXT = {
  en: { message: 'New message', friendRequest: 'New friend request', voiceCall: 'Incoming voice call', videoCall: 'Incoming video call' },
  zh: { message: '新消息', friendRequest: '新的好友请求', voiceCall: '语音通话来电', videoCall: '视频通话来电' },
}
const text = () =>
  String(self.navigator.language || '')
    .toLowerCase()
    .startsWith('zh')
    ? TEXT.zh
    : TEXT.en

/**
 * Payloads from JIM (see src/domain/notifications/push-payload.ts): `{ kind: 'message' | 'friend_request' | 'call',
 * tag, title, body?, conversationId? }` shows (one notification per tag: a conversation's replace
 * each other), `{ kind: 'clear', tag }` closes a tag's notification (the chat was read elsewhere).
 */
self.addEventListener('push', (event) => {
  let data
  try {
    data = event.data ? event.data.json() : null
  } catch {
    data = null
  }
  if (!data || typeof data.tag !== 'string') return
  event.waitUntil(data.kind === 'clear' ? closeTag(data.tag) : show(data))
})

async function show(data) {
  const t = text()
  const fallback =
    data.kind === 'friend_request'
      ? t.friendRequest
      : data.kind === 'call'
        ? data.media === 'video'
          ? t.videoCall
          : t.voiceCall
        : t.message
  await self.registration.showNotification(data.title || 'JIM', {
    body: data.body || fallback,
    tag: data.tag,
    renotify: true,
    icon: '/icons/icon-192.png',
    badge: '/icons/badge-96.png',
    data: { conversationId: typeof data.conversationId === 'string' ? data.conversationId : null, kind: data.kind },
  })
}

async function closeTag(tag) {
  for (const n of await self.registration.getNotifications({ tag })) n.close()
}

/** Opens the chat: in an open JIM window (told by a message), else in a new one (told by the URL). */
self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const data = event.notification.data || {}
  const target = data.conversationId
    ? `/?open=${encodeURIComponent(data.conversationId)}`
    : data.kind === 'friend_request'
      ? '/?tab=friends'
      : '/'
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      const mine = windows.find((w) => new URL(w.url).origin === self.location.origin)
      if (mine) {
        mine.postMessage({ type: 'jim.open', conversationId: data.conversationId || null, kind: data.kind || null })
        await mine.focus().catch(() => {})
        return
      }
      await self.clients.openWindow(target)
    })(),
  )
})
