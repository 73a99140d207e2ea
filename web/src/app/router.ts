/**
 * Addresses for places: `/c/<conversationId>` for a chat, `/friends`, `/groups`, `/settings`,
 * `/admin`, `/` for the chat list. The address follows the state (a new history entry per
 * place, so back/forward and a phone's back gesture move between them), and a reload or a
 * pasted link opens the place once the user is signed in. The server answers every such path
 * with the app shell.
 */
import type { State, Tab } from '../store/state.js'
import type { Controller } from './controller.js'

const TABS: readonly Tab[] = ['friends', 'groups', 'settings', 'admin']

export interface Place {
  tab: Tab
  conversationId: string | null
}

export function placeOf(s: Pick<State, 'tab' | 'activeId'>): Place {
  return { tab: s.tab, conversationId: s.tab === 'chats' ? s.activeId : null }
}

export function pathOf(place: Place): string {
  if (place.tab !== 'chats') return `/${place.tab}`
  return place.conversationId ? `/c/${encodeURIComponent(place.conversationId)}` : '/'
}

/** The place an address names; null for one that names none (left as it is). */
export function parsePath(pathname: string): Place | null {
  if (pathname === '/' || pathname === '') return { tab: 'chats', conversationId: null }
  const chat = /^\/c\/([^/]+)\/?$/.exec(pathname)
  if (chat) return { tab: 'chats', conversationId: decodeURIComponent(chat[1]!) }
  const tab = /^\/(\w+)\/?$/.exec(pathname)?.[1]
  return tab && (TABS as readonly string[]).includes(tab) ? { tab: tab as Tab, conversationId: null } : null
}

export function startRouter(controller: Controller): void {
  // a link followed while signed out waits for the sign-in
  // (`/` is where the app starts anyway, and must not close a chat a notification opened)
  const linked = parsePath(window.location.pathname)
  let pending = linked && pathOf(linked) !== '/' ? linked : null
  let applying = false

  const go = (place: Place) => {
    applying = true
    try {
      controller.setTab(place.tab)
      if (place.tab === 'chats') void controller.conversations.open(place.conversationId)
    } finally {
      applying = false
    }
  }

  controller.store.subscribe(() => {
    const s = controller.state
    if (!s.auth?.user) return
    if (pending) {
      const place = pending
      pending = null
      go(place)
      return
    }
    if (applying) return
    const path = pathOf(placeOf(s))
    if (path !== window.location.pathname) window.history.pushState(null, '', path)
  })

  window.addEventListener('popstate', () => {
    const place = parsePath(window.location.pathname)
    if (place && controller.state.auth?.user) go(place)
  })
}
