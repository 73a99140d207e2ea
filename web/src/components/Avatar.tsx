import type { ShownStatus } from '../api/types.js'
import { hueOf, initials } from '../app/format.js'
import { useT } from '../hooks/app-context.js'
import { Icon } from './Icon.js'

interface Props {
  name: string
  /** keeps the colour stable when the name changes */
  colorKey: string
  size?: 'sm' | 'md' | 'lg'
  presence?: ShownStatus | null
  kind?: 'user' | 'group' | 'world'
}

/** A round avatar with initials (no pictures yet) and an optional presence dot. */
export function Avatar({ name, colorKey, size = 'md', presence, kind = 'user' }: Props) {
  const t = useT()
  const hue = hueOf(colorKey)
  return (
    <span
      className={`avatar avatar-${size} avatar-${kind}`}
      style={{ background: `hsl(${hue} 55% 48%)` }}
      aria-hidden={presence ? undefined : true}
    >
      <span className="avatar-text">
        {kind === 'world' ? <Icon name="globe" size={size === 'lg' ? 40 : size === 'sm' ? 18 : 26} /> : initials(name)}
      </span>
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
