/**
 * Web Push on this device: subscribes through the service worker (web/public/sw.js) with the
 * server's VAPID key and registers the subscription with JIM (it belongs to this session), or
 * undoes both. Permission is asked only from a click (`enablePush` must run from a user gesture).
 */
import type { ApiClient } from '@jim/client'
import { safeStorage } from './storage.js'

const SUBSCRIPTION_KEY = 'jim.pushSubscriptionId'

export type PushState = 'unsupported' | 'disabled-by-server' | 'blocked' | 'off' | 'on' | 'failed'

export function pushSupported(): boolean {
  return 'serviceWorker' in navigator && typeof window.PushManager !== 'undefined' && typeof Notification !== 'undefined'
}

/** Whether this device gets pushes now (and why not). */
export async function pushState(api: ApiClient): Promise<PushState> {
  if (!pushSupported()) return 'unsupported'
  const config = await api.call('GET', '/push/config')
  if (config.status !== 200 || !(config.body as { enabled?: boolean }).enabled) return 'disabled-by-server'
  if (Notification.permission === 'denied') return 'blocked'
  const registration = await navigator.serviceWorker.getRegistration('/')
  const subscription = await registration?.pushManager.getSubscription()
  return subscription && safeStorage.get(SUBSCRIPTION_KEY) ? 'on' : 'off'
}

/** Asks for permission (from the click that called it), subscribes and tells the server. */
export async function enablePush(api: ApiClient): Promise<PushState> {
  if (!pushSupported()) return 'unsupported'
  const permission = await Notification.requestPermission()
  if (permission !== 'granted') return permission === 'denied' ? 'blocked' : 'off'
  const config = await api.call('GET', '/push/config')
  const key = (config.body as { vapidPublicKey?: string | null }).vapidPublicKey
  if (config.status !== 200 || !key) return 'disabled-by-server'
  const registration = await navigator.serviceWorker.ready
  let subscription = await registration.pushManager.getSubscription()
  // a subscription made for another server key cannot be reused
  if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
    await subscription.unsubscribe()
    subscription = null
  }
  subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64Url(key) })
  const res = await api.call('POST', '/me/push-subscriptions', { json: subscription.toJSON() })
  if (res.status !== 201) throw new Error(`push subscription refused (${res.status})`)
  safeStorage.set(SUBSCRIPTION_KEY, (res.body as { id: string }).id)
  return 'on'
}

export async function disablePush(api: ApiClient): Promise<PushState> {
  const id = safeStorage.get(SUBSCRIPTION_KEY)
  safeStorage.remove(SUBSCRIPTION_KEY)
  if (id) await api.call('DELETE', `/me/push-subscriptions/${encodeURIComponent(id)}`)
  const registration = await navigator.serviceWorker.getRegistration('/')
  await (await registration?.pushManager.getSubscription())?.unsubscribe()
  return 'off'
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)
  const bytes = atob(base64)
  const out = new Uint8Array(new ArrayBuffer(bytes.length))
  for (let i = 0; i < bytes.length; i++) out[i] = bytes.charCodeAt(i)
  return out
}

function sameKey(current: ArrayBuffer | null, key: string): boolean {
  if (!current) return false
  const a = new Uint8Array(current)
  const b = fromBase64Url(key)
  return a.length === b.length && a.every((v, i) => v === b[i])
}
