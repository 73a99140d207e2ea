import { useEffect, useRef, type RefObject } from 'react'

/**
 * Closes a menu or popover on Escape or a press outside it. `area` is what counts as inside
 * (default: the element itself; a popover may include its opener, e.g. the parent).
 */
export function useDismiss(
  ref: RefObject<HTMLElement | null>,
  onClose: () => void,
  options: { active?: boolean; area?: (el: HTMLElement) => HTMLElement | null } = {},
): void {
  const { active = true, area } = options
  const latest = useRef({ onClose, area })
  latest.current = { onClose, area }
  useEffect(() => {
    if (!active) return
    const close = (e: MouseEvent | KeyboardEvent) => {
      const el = ref.current
      const inside = el ? (latest.current.area?.(el) ?? el) : null
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !inside?.contains(e.target as Node)) latest.current.onClose()
    }
    document.addEventListener('mousedown', close)
    document.addEventListener('keydown', close)
    return () => {
      document.removeEventListener('mousedown', close)
      document.removeEventListener('keydown', close)
    }
  }, [active, ref])
}
