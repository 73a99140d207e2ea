import type { ShownStatus } from '../api/types.js'
import { hueOf, initials } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { useFileUrl } from '../hooks/use-file-url.js'
import { Icon } from './Icon.js'

interface Props {
  name: string
  /** keeps the colour stable when the name changes */
  colorKey: string
  size?: 'sm' | 'md' | 'lg'
  /** `invisible`: my own avatar while I hide my presence (a hollow dot, not a green one) */
  presence?: ShownStatus | 'invisible' | null
  kind?: 'user' | 'group' | 'world'
  /** the picture; by default the one known for the user or group `colorKey` names */
  fileId?: string | null
}

/** A round avatar: the user's or group's picture, else initials; an optional presence dot. */
export function Avatar({ name, colorKey, size = 'md', presence, kind = 'user', fileId }: Props) {
  const t = useT()
  const controller = useController()
  const known = useAppState((s) => {
    if (fileId !== undefined || kind === 'world') return null
    if (kind === 'group') return s.groups[colorKey]?.avatarFileId ?? null
    if (s.auth?.user?.id === colorKey) return s.auth.user.avatarFileId
    return s.users[colorKey]?.avatarFileId ?? s.friends[colorKey]?.user.avatarFileId ?? null
  })
  const picture = fileId ?? known
  const { url, refresh } = useFileUrl(controller.api, picture, 'thumbnail')
  const hue = hueOf(colorKey)
  return (
    <span
      className={`avatar avatar-${size} avatar-${kind}`}
      style={{ background: `hsl(${hue} 55% 48%)` }}
      aria-hidden={presence ? undefined : true}
    >
      {picture && url ? (
        <img className="avatar-img" src={url} alt="" data-testid="avatar-img" onError={refresh} />
      ) : (
        <span className="avatar-text">
          {kind === 'world' ? <Icon name="globe" size={size === 'lg' ? 40 : size === 'sm' ? 18 : 26} /> : initials(name)}
        </span>
      )}
      {presence && presence !== 'offline' ? (
        <span
          className={`presence-dot presence-${presence}`}
          role="img"
          aria-label={t(`presence.${presence}`)}
          title={t(`presence.${presence}`)}
        />
      ) : null}
    </span>
  )
}
