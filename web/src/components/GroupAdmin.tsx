import { useEffect, useState } from 'react'
import type { Group, GroupBan, GroupMember, GroupRole, JoinRequest } from '../api/types.js'
import { formatTime } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { ConfirmButton } from './ConfirmButton.js'
import { GroupNicknameForm } from './GroupNickname.js'

export const RANK: Record<GroupRole, number> = { owner: 3, admin: 2, member: 1 }

/** A member is muted when `mutedUntil` is in the future. */
export function mutedUntil(member: GroupMember | undefined, now = Date.now()): string | null {
  const until = member?.mutedUntil
  return until && Date.parse(until) > now ? until : null
}

const MUTE_MINUTES = [10, 60, 1440, 10080] as const

/** What an owner or admin may do to one member of lower rank (the owner also appoints and transfers). */
export function MemberAdmin({ groupId, member, myRole }: { groupId: string; member: GroupMember; myRole: GroupRole }) {
  const controller = useController()
  const t = useT()
  const [minutes, setMinutes] = useState<(typeof MUTE_MINUTES)[number]>(60)
  const uid = member.user.id
  const name = member.user.nickname || member.user.username
  const muted = mutedUntil(member)
  return (
    <div className="member-admin" role="group" aria-label={t('gadmin.manage', { name })}>
      {muted ? (
        <button type="button" className="btn small" onClick={() => void controller.groups.muteMember(groupId, uid, null)}>
          {t('gadmin.unmute')}
        </button>
      ) : (
        <span className="inline-form">
          <select
            aria-label={t('gadmin.muteFor')}
            value={minutes}
            onChange={(e) => setMinutes(Number(e.target.value) as (typeof MUTE_MINUTES)[number])}
          >
            {MUTE_MINUTES.map((m) => (
              <option key={m} value={m}>
                {t(`gadmin.minutes.${m}`)}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn small"
            onClick={() => void controller.groups.muteMember(groupId, uid, new Date(Date.now() + minutes * 60_000))}
          >
            {t('gadmin.mute')}
          </button>
        </span>
      )}
      {myRole === 'owner' ? (
        <button type="button" className="btn small" onClick={() => void controller.groups.setAdmin(groupId, uid, member.role !== 'admin')}>
          {member.role === 'admin' ? t('gadmin.dismissAdmin') : t('gadmin.makeAdmin')}
        </button>
      ) : null}
      {myRole === 'owner' ? (
        <ConfirmButton
          className="btn small"
          label={t('gadmin.transfer')}
          question={t('gadmin.transferConfirm', { name })}
          onConfirm={() => void controller.groups.transfer(groupId, uid)}
        />
      ) : null}
      <GroupNicknameForm groupId={groupId} member={member} />
      <ConfirmButton
        label={t('gadmin.remove')}
        question={t('gadmin.removeConfirm', { name })}
        onConfirm={() => void controller.groups.removeMember(groupId, uid, false)}
      />
      <ConfirmButton
        label={t('gadmin.ban')}
        question={t('gadmin.banConfirm', { name })}
        onConfirm={() => void controller.groups.removeMember(groupId, uid, true)}
      />
    </div>
  )
}

/** Group-wide settings for owner and admins: profile, mute all, join requests, bans, dissolve. */
export function GroupSettings({ group, myRole }: { group: Group; myRole: GroupRole }) {
  const controller = useController()
  const t = useT()
  const locale = useAppState((s) => s.locale)
  const [name, setName] = useState(group.name)
  const [announcement, setAnnouncement] = useState(group.announcement ?? '')
  const [requests, setRequests] = useState<JoinRequest[]>([])
  const [bans, setBans] = useState<GroupBan[]>([])
  const [version, setVersion] = useState(0)
  const id = group.id
  useEffect(() => {
    let live = true
    void controller.groups.joinRequests(id).then((r) => live && setRequests(r))
    void controller.groups.bans(id).then((b) => live && setBans(b))
    return () => {
      live = false
    }
  }, [controller, id, version])
  const refresh = () => setVersion((v) => v + 1)

  return (
    <section className="group-settings" aria-labelledby="gadmin-h">
      <h4 id="gadmin-h">{t('gadmin.title')}</h4>
      <label className="btn small file-btn">
        {t('gadmin.changeAvatar')}
        <input
          type="file"
          accept="image/png,image/jpeg,image/webp,image/gif"
          hidden
          data-testid="group-avatar-input"
          onChange={(e) => {
            const file = e.target.files?.[0]
            e.target.value = ''
            if (file) void controller.groups.setAvatar(id, file)
          }}
        />
      </label>
      <form
        className="form compact"
        onSubmit={(e) => {
          e.preventDefault()
          void controller.groups.updateGroup(id, { name: name.trim(), announcement })
        }}
      >
        <label>
          {t('groups.name')}
          <input value={name} maxLength={64} required onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          {t('gadmin.announcement')}
          <textarea value={announcement} rows={2} maxLength={2000} onChange={(e) => setAnnouncement(e.target.value)} />
        </label>
        <button type="submit" className="btn small primary" disabled={!name.trim()}>
          {t('common.save')}
        </button>
      </form>
      <label className="check-row">
        <input
          type="checkbox"
          checked={!!group.muteAll}
          onChange={(e) => void controller.groups.updateGroup(id, { muteAll: e.target.checked })}
        />
        <span>{t('gadmin.muteAll')}</span>
      </label>
      <h5>{t('gadmin.requests')}</h5>
      {requests.length === 0 ? <p className="muted small">{t('gadmin.noRequests')}</p> : null}
      <ul className="plain-list">
        {requests.map((r) => (
          <li key={r.id} className="person-row" data-testid="join-request">
            <div className="person-text">
              <strong className="ellipsis">{r.user.nickname || r.user.username}</strong>
              <span className="muted small ellipsis">{r.message || formatTime(r.createdAt, locale)}</span>
            </div>
            <button
              type="button"
              className="btn small primary"
              onClick={() => void controller.groups.answerJoinRequest(id, r.id, 'approve').then(refresh)}
            >
              {t('gadmin.approve')}
            </button>
            <button
              type="button"
              className="btn small ghost"
              onClick={() => void controller.groups.answerJoinRequest(id, r.id, 'reject').then(refresh)}
            >
              {t('gadmin.reject')}
            </button>
          </li>
        ))}
      </ul>
      <h5>{t('gadmin.bans')}</h5>
      {bans.length === 0 ? <p className="muted small">{t('gadmin.noBans')}</p> : null}
      <ul className="plain-list">
        {bans.map((b) => (
          <li key={b.userId} className="person-row" data-testid="group-ban">
            <div className="person-text">
              <strong className="ellipsis">{b.user.nickname || b.user.username}</strong>
            </div>
            <button type="button" className="btn small" onClick={() => void controller.groups.unban(id, b.userId).then(refresh)}>
              {t('gadmin.unban')}
            </button>
          </li>
        ))}
      </ul>
      {myRole === 'owner' ? (
        <ConfirmButton
          label={t('gadmin.dissolve')}
          question={t('gadmin.dissolveConfirm')}
          onConfirm={() => void controller.groups.dissolve(id)}
        />
      ) : null}
    </section>
  )
}
