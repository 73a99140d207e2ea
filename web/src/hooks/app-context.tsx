import { createContext, useCallback, useContext } from 'react'
import type { Controller } from '../app/controller.js'
import { translate, type MessageKey, type Params } from '../i18n/index.js'
import type { State } from '../store/state.js'
import { useStoreState } from '../store/store.js'

export const ControllerContext = createContext<Controller | null>(null)

export function useController(): Controller {
  const c = useContext(ControllerContext)
  if (!c) throw new Error('useController outside <ControllerContext.Provider>')
  return c
}

/** A slice of the app state; re-renders only when the selected value changes (by identity). */
export function useAppState<T>(selector: (s: State) => T): T {
  return useStoreState(useController().store, selector)
}

export type Translate = (key: MessageKey, params?: Params) => string

/** `t(key, params)` in the current language. */
export function useT(): Translate {
  const locale = useAppState((s) => s.locale)
  return useCallback((key: MessageKey, params?: Params) => translate(locale, key, params), [locale])
}
