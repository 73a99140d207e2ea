/**
 * The installable app: registers the service worker (web/public/sw.js: shell cache, Web Push)
 * and opens the chat a notification was clicked for, whether the click opened a new window
 * (`/?open=<conversationId>`) or reached one already open (a `jim.open` message).
 */
import type { Controller } from './controller.js'

export function startPwa(controller: Controller): void {
  openFromUrl(controller)
  if (!('serviceWorker' in navigator)) return
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { type?: string; conversationId?: unknown; kind?: unknown } | null
    if (data?.type !== 'jim.open') return
    openTarget(controller, typeof data.conversationId === 'string' ? data.conversationId : null, data.kind === 'friend_request')
  })
  // after load: registering competes with the app's own first requests otherwise
  const register = () => void navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {})
  if (document.readyState === 'complete') register()
  else window.addEventListener('load', register, { once: true })
}

/** The service worker's registration, once it is active (Web Push subscribes through it). */
export async function serviceWorkerReady(): Promise<ServiceWorkerRegistration | null> {
  if (!('serviceWorker' in navigator)) return null
  return navigator.serviceWorker.ready
}

function openFromUrl(controller: Controller): void {
  const params = new URLSearchParams(window.location.search)
  const id = params.get('open')
  const friends = params.get('tab') === 'friends'
  if (!id && !friends) return
  // the address stays clean: a reload should not reopen the chat
  window.history.replaceState(null, '', '/')
  openTarget(controller, id, friends)
}

function openTarget(controller: Controller, conversationId: string | null, friends: boolean): void {
  if (!controller.state.auth) return
  window.focus()
  if (friends) return controller.setTab('friends')
  if (!conversationId) return
  controller.setTab('chats')
  void controller.conversations.open(conversationId)
}
