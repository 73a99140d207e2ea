/** How long a jumped-to message stays highlighted. */
const FOCUS_MS = 2500

/**
 * Scrolls the open chat to a message and highlights it for a moment. The message list renders after
 * the state change that loaded it, so this waits for the element (a few frames at most).
 */
export function focusMessage(seq: number, framesLeft = 120): void {
  const el = document.querySelector<HTMLElement>(`[data-testid="message-list"] [data-seq="${seq}"]`)
  if (!el) {
    if (framesLeft > 0) requestAnimationFrame(() => focusMessage(seq, framesLeft - 1))
    return
  }
  el.scrollIntoView({ block: 'center' })
  el.classList.add('search-focus')
  setTimeout(() => el.classList.remove('search-focus'), FOCUS_MS)
}
