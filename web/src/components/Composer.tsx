import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import type { Conversation } from '../api/types.js'
import { displayNameOf, previewText } from '../app/format.js'
import { safeStorage } from '../app/storage.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { useMediaQuery } from '../hooks/use-media-query.js'
import { useNow } from '../hooks/use-now.js'
import { useVoiceRecorder } from '../hooks/use-voice-recorder.js'
import { AttachmentPreview } from './AttachmentPreview.js'
import { EmojiPicker } from './EmojiPicker.js'
import { Icon } from './Icon.js'
import { ExtrasPicker } from './ExtrasPicker.js'
import { MediaButtons } from './MediaButtons.js'
import { formatDuration } from './MessageMedia.js'
import './composer-media.css'

/** until the server's limits are known */
const DEFAULT_MAX_LENGTH = 4000
/** the counter shows from this many characters before the limit */
const COUNTER_MARGIN = 500
/**
 * Unsent text per conversation, kept while switching chats and across reloads (in this
 * browser's storage, under the user's id: another account signing in here does not see it).
 */
const drafts = {
  key: (me: string, id: string) => `jim.draft.${me}.${id}`,
  get: (me: string, id: string) => safeStorage.get(drafts.key(me, id)) ?? '',
  set: (me: string, id: string, text: string) =>
    text ? safeStorage.set(drafts.key(me, id), text) : safeStorage.remove(drafts.key(me, id)),
}

interface Candidate {
  id: string
  name: string
  username: string
}

/**
 * Writing a message: Enter sends, Shift+Enter breaks the line (not while an IME is composing),
 * @ completes group members, an emoji picker, and the message being answered. A chosen, pasted
 * or dropped file (`attachment`, held by the chat so a drop anywhere on it lands here) waits in
 * a preview with a caption; a voice recording shows with its time, Cancel (Esc) and Send.
 */
export function Composer({
  conversation,
  replyTo,
  onClearReply,
  attachment,
  onAttach,
}: {
  conversation: Conversation
  replyTo: number | null
  onClearReply: () => void
  attachment: File | null
  onAttach: (file: File | null) => void
}) {
  const controller = useController()
  const t = useT()
  const id = conversation.id
  const me = useAppState((s) => s.auth?.user?.id ?? '')
  const [text, setText] = useState(() => drafts.get(me, id))
  const [emojiOpen, setEmojiOpen] = useState(false)
  // on a phone the extras fold behind one "+" so the box keeps its width
  const narrow = useMediaQuery('(max-width: 760px)')
  const [trayOpen, setTrayOpen] = useState(false)
  const [mentioned, setMentioned] = useState<Candidate[]>([])
  const [query, setQuery] = useState<{ start: number; text: string } | null>(null)
  const [highlight, setHighlight] = useState(0)
  const ref = useRef<HTMLTextAreaElement>(null)
  const groupId = conversation.group?.id ?? null
  const members = useAppState((s) => (groupId ? s.members[groupId] : undefined))
  const maxLength = useAppState((s) => s.limits?.maxTextLength ?? DEFAULT_MAX_LENGTH)
  // a long paste is kept whole (never cut silently): the counter says how much is over
  // in characters (code points), as the server counts them
  const length = useMemo(() => [...text].length, [text])
  const tooLong = length > maxLength
  const friends = useAppState((s) => s.friends)
  const replied = useAppState((s) => (replyTo ? s.timelines[id]?.messages.find((m) => m.seq === replyTo) : undefined))
  const replyName = useAppState((s) => (replied ? displayNameOf(s, replied.senderId, groupId) : ''))
  const replyPreview = useAppState((s) => (replied ? previewText(s, replied) : ''))
  const media = conversation.kind !== 'world'
  const [sendingVoice, setSendingVoice] = useState(false)
  const voice = useVoiceRecorder(
    (clip) => {
      setSendingVoice(true)
      void controller.messages
        .sendFile(id, clip.blob, clip.name, 'voice', { durationMs: clip.durationMs })
        .finally(() => setSendingVoice(false))
    },
    () => controller.messages.warn('media.noMic'),
  )
  const recording = voice.since !== null
  const now = useNow(250, recording)

  // Esc throws a running recording away, wherever the focus is
  const cancelVoice = voice.cancel
  useEffect(() => {
    if (!recording) return
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape') cancelVoice()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [recording, cancelVoice])

  const attach = (file: File | null) => {
    onAttach(file)
    setTrayOpen(false)
    // back to writing once the preview is gone
    if (!file) requestAnimationFrame(() => ref.current?.focus())
  }

  useEffect(() => {
    drafts.set(me, id, text)
  }, [me, id, text])

  useEffect(() => {
    if (replyTo) ref.current?.focus()
  }, [replyTo])

  useEffect(() => {
    // not on touch screens: the keyboard would cover the chat the user just opened
    if (window.matchMedia('(hover: hover)').matches) ref.current?.focus()
  }, [])

  // auto-grow up to a limit
  useEffect(() => {
    const el = ref.current
    if (!el) return
    el.style.height = 'auto'
    el.style.height = `${Math.min(el.scrollHeight, 180)}px`
  }, [text])

  const myRole = members?.find((m) => m.user.id === me)?.role
  const candidates = useMemo<Candidate[]>(() => {
    if (!query || !members) return []
    const q = query.text.toLowerCase()
    const list: Candidate[] = members
      .filter((m) => m.user.id !== me && !m.user.deleted)
      .map((m) => ({
        id: m.user.id,
        name: friends[m.user.id]?.remark || m.groupNickname || m.user.nickname || m.user.username,
        username: m.user.username,
      }))
      .filter((c) => !q || c.name.toLowerCase().includes(q) || c.username.startsWith(q))
    if ((myRole === 'owner' || myRole === 'admin') && (!q || 'all'.startsWith(q))) list.unshift({ id: 'all', name: 'all', username: 'all' })
    return list.slice(0, 8)
  }, [query, members, me, friends, myRole])

  const updateQuery = (value: string, caret: number) => {
    if (!groupId) return setQuery(null)
    const before = value.slice(0, caret)
    const match = /(^|\s)@([^\s@]{0,32})$/.exec(before)
    if (match) {
      setQuery({ start: caret - match[2]!.length - 1, text: match[2]! })
      setHighlight(0)
    } else setQuery(null)
  }

  const insertAtCaret = (insert: string, replaceFrom?: number) => {
    const el = ref.current
    const caret = el?.selectionStart ?? text.length
    const start = replaceFrom ?? caret
    const next = text.slice(0, start) + insert + text.slice(caret)
    setText(next)
    requestAnimationFrame(() => {
      el?.focus()
      const pos = start + insert.length
      el?.setSelectionRange(pos, pos)
    })
  }

  const choose = (c: Candidate) => {
    if (!query) return
    insertAtCaret(`@${c.name} `, query.start)
    setMentioned((list) => (list.some((x) => x.id === c.id) ? list : [...list, c]))
    setQuery(null)
  }

  const send = () => {
    const value = text.trim()
    if (!value || tooLong) return
    const mentions = mentioned.filter((c) => value.includes(`@${c.name}`)).map((c) => c.id)
    controller.messages.send(id, value, { mentions, replyTo })
    setText('')
    setMentioned([])
    setQuery(null)
    onClearReply()
    drafts.set(me, id, '')
  }

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.nativeEvent.isComposing || e.keyCode === 229) return
    if (candidates.length) {
      if (e.key === 'ArrowDown') {
        e.preventDefault()
        return setHighlight((h) => (h + 1) % candidates.length)
      }
      if (e.key === 'ArrowUp') {
        e.preventDefault()
        return setHighlight((h) => (h - 1 + candidates.length) % candidates.length)
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault()
        return choose(candidates[highlight] ?? candidates[0]!)
      }
      if (e.key === 'Escape') {
        e.preventDefault()
        return setQuery(null)
      }
    }
    if (e.key === 'Escape' && replyTo) return onClearReply()
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault()
      send()
    }
  }

  const extras = (
    <>
      <div className="emoji-wrap">
        <button
          type="button"
          className={`icon-btn ${emojiOpen ? 'on' : ''}`}
          aria-label={t('chat.emoji')}
          title={t('chat.emoji')}
          aria-expanded={emojiOpen}
          onClick={() => setEmojiOpen(!emojiOpen)}
        >
          <Icon name="smile" />
        </button>
        {emojiOpen ? (
          <EmojiPicker
            onPick={(emoji) => insertAtCaret(emoji)}
            onClose={() => {
              setEmojiOpen(false)
              ref.current?.focus()
            }}
          />
        ) : null}
      </div>
      {media ? (
        <MediaButtons onAttach={attach} onRecord={() => void voice.start()} disabled={recording || sendingVoice || !!attachment} />
      ) : null}
      {media ? <ExtrasPicker conversationId={id} /> : null}
    </>
  )

  return (
    <div className="composer">
      {replyTo ? (
        <div className="reply-bar">
          <Icon name="reply" size={16} />
          <div className="reply-bar-text">
            <strong>{replied ? t('chat.replyingTo', { name: replyName }) : t('chat.replyUnknown', { seq: replyTo })}</strong>
            <span className="ellipsis muted">{replyPreview}</span>
          </div>
          <button type="button" className="icon-btn small" aria-label={t('chat.cancelReply')} onClick={onClearReply}>
            <Icon name="close" size={16} />
          </button>
        </div>
      ) : null}
      {candidates.length ? (
        <ul className="mention-list" role="listbox" aria-label={t('chat.mentionSuggestions')} id={`mentions-${id}`}>
          {candidates.map((c, i) => (
            <li
              key={c.id}
              id={`mention-${id}-${c.id}`}
              role="option"
              aria-selected={i === highlight}
              className={i === highlight ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault()
                choose(c)
              }}
            >
              <strong>{c.id === 'all' ? t('chat.mentionAll') : c.name}</strong>
              {c.id !== 'all' ? <span className="muted small"> @{c.username}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {attachment ? <AttachmentPreview conversationId={id} file={attachment} onClose={() => attach(null)} /> : null}
      {recording || sendingVoice ? (
        <div className="recording-bar" role="group" aria-label={t('media.recordingLabel')}>
          {recording ? (
            <>
              <span className="recording-dot" aria-hidden="true" />
              <span role="timer" aria-live="off" data-testid="recording-time">
                {formatDuration(now - (voice.since ?? now))}
              </span>
              <span className="muted small recording-hint">{t('media.recordingHint')}</span>
              <button type="button" className="btn small ghost" onClick={voice.cancel}>
                {t('media.cancelRecording')}
              </button>
              <button type="button" className="btn small primary" onClick={voice.stop}>
                {t('media.stopRecording')}
              </button>
            </>
          ) : (
            <span className="muted small" role="status">
              {t('media.uploading')}
            </span>
          )}
        </div>
      ) : null}
      {narrow && trayOpen ? (
        <div className="composer-tray" role="toolbar" aria-label={t('chat.more')}>
          {extras}
        </div>
      ) : null}
      <div className="composer-row">
        {narrow ? (
          <button
            type="button"
            className={`icon-btn ${trayOpen ? 'on' : ''}`}
            aria-label={t('chat.more')}
            title={t('chat.more')}
            aria-expanded={trayOpen}
            onClick={() => setTrayOpen(!trayOpen)}
          >
            <Icon name={trayOpen ? 'close' : 'plus'} />
          </button>
        ) : (
          extras
        )}
        <textarea
          ref={ref}
          className="composer-input"
          rows={1}
          value={text}
          aria-invalid={tooLong || undefined}
          aria-describedby={length > maxLength - COUNTER_MARGIN ? `counter-${id}` : undefined}
          placeholder={t('chat.placeholder')}
          aria-label={t('chat.inputLabel')}
          aria-autocomplete={groupId ? 'list' : undefined}
          aria-controls={candidates.length ? `mentions-${id}` : undefined}
          aria-activedescendant={candidates.length ? `mention-${id}-${candidates[highlight]?.id}` : undefined}
          onChange={(e) => {
            setText(e.target.value)
            updateQuery(e.target.value, e.target.selectionStart)
            if (conversation.kind !== 'world' && e.target.value) controller.messages.sendTyping(id)
          }}
          onKeyDown={onKeyDown}
          onPaste={(e) => {
            // a pasted picture (a screenshot, an image copied in a browser) opens the preview
            const file = media ? [...e.clipboardData.files][0] : undefined
            if (!file) return
            e.preventDefault()
            attach(file)
          }}
          onClick={(e) => updateQuery(e.currentTarget.value, e.currentTarget.selectionStart)}
        />
        <button
          type="button"
          className="send-btn"
          aria-label={t('chat.send')}
          title={t('chat.send')}
          disabled={!text.trim() || tooLong}
          onClick={send}
        >
          <Icon name="send" />
        </button>
      </div>
      {length > maxLength - COUNTER_MARGIN ? (
        <p id={`counter-${id}`} className={`char-counter ${tooLong ? 'over' : ''}`} role={tooLong ? 'alert' : undefined}>
          {tooLong
            ? t('chat.tooLong', { count: length.toLocaleString(), max: maxLength.toLocaleString() })
            : t('chat.counter', { count: length.toLocaleString(), max: maxLength.toLocaleString() })}
        </p>
      ) : null}
    </div>
  )
}
