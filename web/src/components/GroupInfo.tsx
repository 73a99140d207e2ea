import { Fragment, useMemo, useState } from 'react'
import type { GroupRole } from '../api/types.js'
import { formatTime } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { Avatar } from './Avatar.js'
import { ConfirmButton } from './ConfirmButton.js'
import { GroupSettings, MemberAdmin, mutedUntil, RANK } from './GroupAdmin.js'
import { GroupNicknameForm } from './GroupNickname.js'
import { Icon } from './Icon.js'

const ORDER: Record<GroupRole, number> = { owner: 0, admin: 1, member: 2 }

/** Owners and admins manage members of lower rank. */
function canManage(myRole: GroupRole | null, theirs: GroupRole): boolean {
  return !!myRole && myRole !== 'member' && RANK[myRole] > RANK[theirs]
}

/** Members with roles and presence, inviting friends, leaving. */
export function GroupInfo({ groupId, onClose }: { groupId: string; onClose: () => void }) {
  const controller = useController()
  const t = useT()
  const group = useAppState((s) => s.groups[groupId])
  const members = useAppState((s) => s.members[groupId])
  const presence = useAppState((s) => s.presence)
  const friends = useAppState((s) => s.friends)
  const me = useAppState((s) => s.auth?.user?.id)
  const myStatus = useAppState((s) => s.auth?.user?.status ?? 'online')
  const [inviting, setInviting] = useState(false)
  const [selected, setSelected] = useState<string[]>([])
  const [managing, setManaging] = useState<string | null>(null)
  const [renaming, setRenaming] = useState(false)
  const locale = useAppState((s) => s.locale)
  const sorted = useMemo(
    () =>
      [...(members ?? [])].sort((a, b) => ORDER[a.role] - ORDER[b.role] || (a.user.nickname || '').localeCompare(b.user.nickname || '')),
    [members],
  )
  const myRole = sorted.find((m) => m.user.id === me)?.role ?? null
  const memberIds = useMemo(() => new Set(sorted.map((m) => m.user.id)), [sorted])
  const invitable = useMemo(() => Object.values(friends).filter((f) => !memberIds.has(f.user.id)), [friends, memberIds])

  return (
    <aside className="info-panel" aria-label={t('groups.info')}>
      <header className="info-header">
        <h3>{t('groups.info')}</h3>
        <button type="button" className="icon-btn" aria-label={t('common.close')} onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      <div className="profile">
        <Avatar name={group?.name ?? '?'} colorKey={groupId} size="lg" kind="group" />
        <strong>{group?.name}</strong>
        {group ? <span className="muted small">{t(`groups.policy.${group.joinPolicy}`)}</span> : null}
        {group?.announcement ? <p className="bio">{group.announcement}</p> : null}
      </div>
      <section aria-labelledby="members-h">
        <h4 id="members-h">
          {group?.maxMembers
            ? t('groups.membersOf', { count: sorted.length, max: group.maxMembers })
            : t('groups.members', { count: sorted.length })}
        </h4>
        <ul className="plain-list members">
          {sorted.map((m) => (
            <Fragment key={m.user.id}>
              <li className="person-row" data-testid="member-row">
                <Avatar
                  name={m.user.nickname || m.user.username}
                  colorKey={m.user.id}
                  size="sm"
                  presence={m.user.id === me ? myStatus : (presence[m.user.id]?.status ?? null)}
                />
                <div className="person-text">
                  <strong className="ellipsis">
                    {friends[m.user.id]?.remark || m.groupNickname || m.user.nickname || m.user.username}
                    {m.user.id === me ? ` (${t('groups.you')})` : ''}
                  </strong>
                  <span className="muted small">
                    @{m.user.username}
                    {m.groupNickname ? ` · ${m.user.nickname || m.user.username}` : ''}
                  </span>
                </div>
                {m.role !== 'member' ? <span className={`role-tag ${m.role}`}>{t(`role.${m.role}`)}</span> : null}
                {mutedUntil(m) ? (
                  <span className="role-tag muted-tag" title={t('gadmin.mutedUntil', { time: formatTime(mutedUntil(m)!, locale) })}>
                    {t('gadmin.muted')}
                  </span>
                ) : null}
                {m.user.id === me ? (
                  <button
                    type="button"
                    className="btn small ghost"
                    aria-expanded={renaming}
                    data-testid="edit-my-group-nickname"
                    onClick={() => setRenaming(!renaming)}
                  >
                    {t('groups.editMyNickname')}
                  </button>
                ) : null}
                {canManage(myRole, m.role) ? (
                  <button
                    type="button"
                    className="icon-btn"
                    aria-expanded={managing === m.user.id}
                    aria-label={t('gadmin.manage', { name: m.user.nickname || m.user.username })}
                    title={t('gadmin.options')}
                    onClick={() => setManaging(managing === m.user.id ? null : m.user.id)}
                  >
                    <Icon name="more" size={16} />
                  </button>
                ) : null}
              </li>
              {m.user.id === me && renaming ? (
                <li className="member-admin-row">
                  <GroupNicknameForm groupId={groupId} member={m} onDone={() => setRenaming(false)} />
                </li>
              ) : null}
              {/* checked again on each render: after a transfer the old owner may no longer manage this member */}
              {managing === m.user.id && myRole && canManage(myRole, m.role) ? (
                <li className="member-admin-row">
                  <MemberAdmin groupId={groupId} member={m} myRole={myRole} />
                </li>
              ) : null}
            </Fragment>
          ))}
        </ul>
      </section>
      {group && myRole && myRole !== 'member' ? <GroupSettings key={group.id} group={group} myRole={myRole} /> : null}
      {inviting ? (
        <div className="form compact">
          {invitable.length === 0 ? <p className="muted small">{t('groups.noneToInvite')}</p> : null}
          {invitable.map((f) => (
            <label key={f.user.id} className="check-row">
              <input
                type="checkbox"
                checked={selected.includes(f.user.id)}
                onChange={() => setSelected((s) => (s.includes(f.user.id) ? s.filter((x) => x !== f.user.id) : [...s, f.user.id]))}
              />
              <span>{f.remark || f.user.nickname}</span>
            </label>
          ))}
          <div className="row-actions">
            <button
              type="button"
              className="btn primary small"
              disabled={!selected.length}
              onClick={() => {
                void controller.groups.invite(groupId, selected)
                setSelected([])
                setInviting(false)
              }}
            >
              {t('groups.inviteAction')}
            </button>
            <button type="button" className="btn ghost small" onClick={() => setInviting(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      ) : null}
      <div className="info-actions">
        {!inviting ? (
          <button type="button" className="btn small" onClick={() => setInviting(true)}>
            {t('groups.invite')}
          </button>
        ) : null}
        <ConfirmButton
          label={t('groups.leave')}
          question={t('groups.leaveConfirm')}
          onConfirm={() => void controller.groups.leaveGroup(groupId)}
        />
      </div>
    </aside>
  )
}
