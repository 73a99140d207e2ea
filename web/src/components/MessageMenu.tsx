import { useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react'
import type { Conversation, Message } from '../api/types.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { useDismiss } from '../hooks/use-dismiss.js'
import { Icon } from './Icon.js'

const RANK = { owner: 3, admin: 2, member: 1 } as const

/** Edit (own text, within the edit window) and recall (own within the recall window, or a lower rank's in a group). */
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
  // a recall cannot be undone: the menu asks once more
  const [confirming, setConfirming] = useState(false)
  const ref = useRef<HTMLDivElement>(null)
  const groupId = conversation.group?.id ?? null
  const outranks = useAppState((s) => {
    if (!groupId || own) return false
    const members = s.members[groupId] ?? []
    const me = s.auth?.user?.id
    const mine = members.find((x) => x.user.id === me)?.role
    const theirs = members.find((x) => x.user.id === m.senderId)?.role ?? 'member'
    return !!mine && RANK[mine] > RANK[theirs]
  })
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
  if (!own && !outranks) return null
  if (!open && !canEdit && !canRecall) return null
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
          {canEdit ? (
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                setOpen(false)
                onEdit()
              }}
            >
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
        </div>
      ) : null}
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
