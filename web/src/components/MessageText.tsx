import type { ReactNode } from 'react'
import type { Message } from '../api/types.js'
import { displayNameOf, previewText, systemText } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { focusMessage } from './focus-message.js'

export function SystemLine({ message }: { message: Message }) {
  const text = useAppState((s) => systemText(s, message))
  return (
    <li className="system-line" data-testid="system-message" data-seq={message.seq}>
      <span>{text}</span>
    </li>
  )
}

/**
 * The message a reply answers: who and what; a click scrolls to it, loading the history around it first
 * when it is older than what the chat has loaded (as a search hit or a pin does).
 */
export function ReplyQuote(props: { replied: Message | null; seq: number; conversationId: string; groupId: string | null }) {
  const { replied, seq, conversationId, groupId } = props
  const t = useT()
  const controller = useController()
  const name = useAppState((s) => (replied ? displayNameOf(s, replied.senderId, groupId) : ''))
  const preview = useAppState((s) => (replied ? previewText(s, replied) : ''))
  const jump = () => {
    if (replied) focusMessage(seq)
    else void controller.search.jumpTo(conversationId, seq).then((ok) => ok && focusMessage(seq))
  }
  return (
    <button type="button" className="reply-quote" onClick={jump}>
      <strong>{replied ? name : t('chat.replyUnknown', { seq })}</strong>
      {replied ? <span className="ellipsis">{preview}</span> : null}
    </button>
  )
}

const TOKEN = /(https?:\/\/[^\s<>"']+)|(@[^\s@]{1,64})/g

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Text with links and @mentions highlighted. Everything is a React text node or an element we
 * build: the user's characters are never parsed as HTML. `names` are the names of the people the
 * message mentions: a name with a space ("@Alice W") is highlighted whole, longest name first.
 */
export function renderText(text: string, names: readonly string[] = []): ReactNode[] {
  const out: ReactNode[] = []
  let last = 0
  let key = 0
  const known = [...new Set(names)].filter(Boolean).sort((a, b) => b.length - a.length)
  const token = known.length
    ? new RegExp(`(https?:\\/\\/[^\\s<>"']+)|(@(?:${known.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_])|@[^\\s@]{1,64})`, 'gu')
    : TOKEN
  for (const match of text.matchAll(token)) {
    const start = match.index ?? 0
    if (start > last) out.push(text.slice(last, start))
    const [whole, url, mention] = match
    if (url) {
      out.push(
        <a key={key++} href={url} target="_blank" rel="noopener noreferrer nofollow">
          {url}
        </a>,
      )
    } else if (mention) {
      out.push(
        <span key={key++} className="mention">
          {mention}
        </span>,
      )
    }
    last = start + whole.length
  }
  if (last < text.length) out.push(text.slice(last))
  return out
}
