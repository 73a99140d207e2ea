import type { KeyboardEvent } from 'react'

/**
 * Keyboard navigation through a list (the chat list, the messages of a chat): ArrowUp/ArrowDown
 * move the focus to the previous/next item, Home/End to the first/last. `items` are found inside
 * the element the handler is on; the one holding the focus is the current one. When the focus is
 * on the container itself (not in an item), ArrowUp and End go to the last item, ArrowDown and
 * Home to the first. Keys typed into a field inside an item (an edit box) are left alone.
 */
export function arrowKeysHandler(items: string): (e: KeyboardEvent<HTMLElement>) => void {
  return (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return
    if (!['ArrowUp', 'ArrowDown', 'Home', 'End'].includes(e.key)) return
    const target = e.target as HTMLElement
    if (target.closest('input, textarea, select, [contenteditable="true"], [role="menu"], [role="dialog"]')) return
    const list = [...e.currentTarget.querySelectorAll<HTMLElement>(items)]
    if (list.length === 0) return
    const at = list.findIndex((el) => el === target || el.contains(target))
    const last = list.length - 1
    let next: number
    if (e.key === 'Home') next = 0
    else if (e.key === 'End') next = last
    else if (at < 0) next = e.key === 'ArrowUp' ? last : 0
    else next = Math.min(last, Math.max(0, at + (e.key === 'ArrowUp' ? -1 : 1)))
    e.preventDefault()
    list[next]!.focus()
  }
}
