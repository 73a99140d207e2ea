import { useState, type FormEvent } from 'react'
import type { GroupMember } from '../api/types.js'
import { useController, useT } from '../hooks/app-context.js'

/** The name a member goes by in one group (mine, or one an owner/admin sets for a lower-ranked member). */
export function GroupNicknameForm({ groupId, member, onDone }: { groupId: string; member: GroupMember; onDone?: () => void }) {
  const controller = useController()
  const t = useT()
  const [value, setValue] = useState(member.groupNickname ?? '')
  const [busy, setBusy] = useState(false)
  const save = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    const ok = await controller.groups.setGroupNickname(groupId, member.user.id, value.trim())
    setBusy(false)
    if (ok) onDone?.()
  }
  return (
    <form className="inline-form group-nickname" onSubmit={save} data-testid="group-nickname-form">
      <label className="field">
        <span>{t('groups.nickname')}</span>
        <input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          maxLength={64}
          placeholder={member.user.nickname || member.user.username}
          autoFocus
        />
      </label>
      <button type="submit" className="btn small primary" disabled={busy}>
        {t('common.save')}
      </button>
      {onDone ? (
        <button type="button" className="btn small ghost" onClick={onDone}>
          {t('common.cancel')}
        </button>
      ) : null}
    </form>
  )
}
