import { useState, type FormEvent } from 'react'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { Avatar } from './Avatar.js'
import { ConfirmButton } from './ConfirmButton.js'
import { Icon } from './Icon.js'

/** The other person of a direct chat: profile, remark, clear our chat, remove, block. */
export function FriendInfo({ userId, onClose }: { userId: string; onClose: () => void }) {
  const controller = useController()
  const t = useT()
  const friend = useAppState((s) => s.friends[userId])
  const user = useAppState((s) => s.friends[userId]?.user ?? s.users[userId])
  const presence = useAppState((s) => s.presence[userId])
  const blocked = useAppState((s) => s.blocks.some((b) => b.user.id === userId))
  const chat = useAppState((s) => Object.values(s.conversations).find((c) => c.kind === 'direct' && c.peer?.id === userId) ?? null)
  const [remark, setRemark] = useState(friend?.remark ?? '')
  const [forBoth, setForBoth] = useState(false)
  const save = (e: FormEvent) => {
    e.preventDefault()
    void controller.friends.setRemark(userId, remark.trim())
  }
  if (!user) return null
  const name = user.nickname || user.username
  return (
    <aside className="info-panel" aria-label={t('friends.info')}>
      <header className="info-header">
        <h3>{t('friends.info')}</h3>
        <button type="button" className="icon-btn" aria-label={t('common.close')} onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      <div className="profile">
        <Avatar name={friend?.remark || name} colorKey={user.id} size="lg" presence={presence?.status ?? 'offline'} />
        <strong>{friend?.remark || name}</strong>
        <span className="muted small">
          {name} · @{user.username}
        </span>
        {user.bio ? <p className="bio">{user.bio}</p> : null}
      </div>
      {friend ? (
        <form className="form compact" onSubmit={save}>
          <label className="field">
            <span>{t('friends.remark')}</span>
            <input value={remark} onChange={(e) => setRemark(e.target.value)} maxLength={64} placeholder={t('friends.remarkPlaceholder')} />
          </label>
          <button type="submit" className="btn small">
            {t('common.save')}
          </button>
        </form>
      ) : (
        <p className="muted small">{t('friends.notFriend')}</p>
      )}
      <div className="info-actions">
        {chat && chat.lastSeq > (chat.clearedSeq ?? 0) ? (
          <ConfirmButton
            className="btn small"
            label={t('friends.clearHistory')}
            question={t('friends.clearHistoryConfirm', { name })}
            onConfirm={() => void controller.conversations.clearHistory(chat.id)}
          />
        ) : null}
        {friend ? (
          <>
            <label className="check small">
              <input type="checkbox" checked={forBoth} onChange={(e) => setForBoth(e.target.checked)} data-testid="remove-for-both" />
              {t('friends.removeForBoth')}
            </label>
            <ConfirmButton
              label={t('friends.remove')}
              question={forBoth ? t('friends.removeForBothConfirm', { name }) : t('friends.removeConfirm', { name })}
              onConfirm={() => void controller.friends.removeFriend(userId, { forBoth })}
            />
          </>
        ) : null}
        {blocked ? (
          <button type="button" className="btn ghost small" onClick={() => void controller.friends.unblock(userId)}>
            {t('friends.unblock')}
          </button>
        ) : (
          <ConfirmButton
            label={t('friends.block')}
            question={t('friends.blockConfirm', { name })}
            onConfirm={() => void controller.friends.block(userId)}
          />
        )}
      </div>
    </aside>
  )
}
