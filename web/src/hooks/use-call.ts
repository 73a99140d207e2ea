import type { CallUi } from '../app/call-actions.js'
import { useStoreState } from '../store/store.js'
import { useController } from './app-context.js'

/** A slice of the call UI state (see CallActions). */
export function useCallUi<T>(selector: (s: CallUi) => T): T {
  return useStoreState(useController().calls.store, selector)
}
