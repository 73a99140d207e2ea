import { useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react'
import type { Conversation, Message } from '../api/types.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { useDismiss } from '../hooks/use-dismiss.js'
import { Icon } from './Icon.js'
import { ForwardDialog, QUICK_REACTIONS } from './MessageExtras.js'

const RANK = { owner: 3, admin: 2, member: 1 } as const

/**
 * A message's actions: quick reactions, pin/unpin (group owner/admin, either side of a direct chat),
 * forward, select several to forward, delete for me; edit (own text, within the edit window) and
 * recall (own within the recall window, or a lower rank's in a group).
 */
export function MessageMenu({
  message: m,
  conversation,
  own,
  onEdit,
}: {
  message: Message
  conversation: Conversation
  own: boolean
  onEdit: () => void
}) {
  const controller = useController()
  const t = useT()
  const [open, setOpen] = useState(false)
  const [forwarding, setForwarding] = useState(false)
  // a recall cannot be undone: the menu asks once more
  const [confirming, setConfirming] = useState(false)
  const ref = useRef<HTMLDivElement>(null)
  const groupId = conversation.group?.id ?? null
  const myRole = useAppState((s) => (groupId ? s.members[groupId]?.find((x) => x.user.id === s.auth?.user?.id)?.role : undefined))
  const outranks = useAppState((s) => {
    if (!groupId || own) return false
    const members = s.members[groupId] ?? []
    const theirs = members.find((x) => x.user.id === m.senderId)?.role ?? 'member'
    return !!myRole && RANK[myRole] > RANK[theirs]
  })
  const me = useAppState((s) => s.auth?.user?.id ?? '')
  useDismiss(
    ref,
    () => {
      setOpen(false)
      setConfirming(false)
    },
    { active: open },
  )
  // the server's windows (GET /config at sign-in, then every `ready`); none offered before they are known
  const windows = useAppState((s) => s.limits)
  const age = Date.now() - Date.parse(m.createdAt)
  const canEdit = own && m.type === 'text' && !!windows && age < windows.editWindowSeconds * 1000
  const canRecall = (own && !!windows && age < windows.recallWindowSeconds * 1000) || outranks
  const member = conversation.leftSeq === null
  const canPin = member && (conversation.kind === 'direct' || myRole === 'owner' || myRole === 'admin')
  const pinned = (conversation.pins ?? []).some((p) => p.seq === m.seq)
  const system = m.type === 'system'
  const act = (fn: () => void) => () => {
    setOpen(false)
    fn()
  }
  return (
    <div className="msg-menu" ref={ref}>
      <button
        type="button"
        className="icon-btn msg-more"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={t('msg.actions')}
        title={t('msg.actions')}
        onClick={() => setOpen(!open)}
      >
        <Icon name="more" size={16} />
      </button>
      {open ? (
        <div className="menu" role="menu">
          {member && !system ? (
            <div className="quick-reactions" role="group" aria-label={t('react.label')}>
              {QUICK_REACTIONS.map((emoji) => {
                const mine = !!m.reactions?.some((r) => r.emoji === emoji && r.userIds.includes(me))
                return (
                  <button
                    key={emoji}
                    type="button"
                    role="menuitem"
                    aria-label={t('react.with', { emoji })}
                    className={mine ? 'mine' : ''}
                    onClick={act(() => void controller.messages.toggleReaction(m.conversationId, m.seq, emoji, mine))}
                  >
                    {emoji}
                  </button>
                )
              })}
            </div>
          ) : null}
          {canPin && !system ? (
            <button type="button" role="menuitem" onClick={act(() => void controller.messages.setPinned(m.conversationId, m.seq, !pinned))}>
              {pinned ? t('pin.unpin') : t('pin.pin')}
            </button>
          ) : null}
          {!system ? (
            <button type="button" role="menuitem" onClick={act(() => setForwarding(true))}>
              {t('forward.action')}
            </button>
          ) : null}
          {!system ? (
            <button type="button" role="menuitem" onClick={act(() => controller.messages.select(m.conversationId, m.seq))}>
              {t('forward.select')}
            </button>
          ) : null}
          {canEdit ? (
            <button type="button" role="menuitem" onClick={act(onEdit)}>
              {t('msg.edit')}
            </button>
          ) : null}
          {canRecall && !confirming ? (
            <button type="button" role="menuitem" onClick={() => setConfirming(true)}>
              {t('msg.recall')}
            </button>
          ) : null}
          {canRecall && confirming ? (
            <div className="confirm" role="group" aria-label={t('msg.recallConfirm')}>
              <span className="small">{t('msg.recallConfirm')}</span>
              <button
                type="button"
                role="menuitem"
                className="danger"
                autoFocus
                onClick={() => {
                  setOpen(false)
                  setConfirming(false)
                  void controller.messages.recall(m.conversationId, m.seq)
                }}
              >
                {t('msg.recallYes')}
              </button>
              <button type="button" role="menuitem" onClick={() => setConfirming(false)}>
                {t('common.cancel')}
              </button>
            </div>
          ) : null}
          <button type="button" role="menuitem" onClick={act(() => void controller.messages.hide(m.conversationId, m.seq))}>
            {t('msg.deleteForMe')}
          </button>
        </div>
      ) : null}
      {forwarding ? <ForwardDialog conversationId={m.conversationId} seqs={[m.seq]} onClose={() => setForwarding(false)} /> : null}
    </div>
  )
}

export function EditForm({
  initial,
  onSave,
  onCancel,
}: {
  initial: string
  onSave: (text: string) => Promise<void>
  onCancel: () => void
}) {
  const t = useT()
  const [value, setValue] = useState(initial)
  const [busy, setBusy] = useState(false)
  const save = async () => {
    if (busy) return
    setBusy(true)
    await onSave(value)
    setBusy(false)
  }
  const onKeyDown = (e: ReactKeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault()
      void save()
    } else if (e.key === 'Escape') onCancel()
  }
  return (
    <div className="msg-edit">
      <textarea
        aria-label={t('msg.editLabel')}
        value={value}
        rows={2}
        autoFocus
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="msg-edit-actions">
        <button type="button" className="btn small ghost" onClick={onCancel}>
          {t('common.cancel')}
        </button>
        <button type="button" className="btn small" disabled={busy || !value.trim()} onClick={() => void save()}>
          {t('common.save')}
        </button>
      </div>
    </div>
  )
}
