import { useAppState, useController, useT } from '../hooks/app-context.js'
import { Icon } from './Icon.js'

/** The search box of the Friends tab ("Find people"), focused when a next step leads there. */
export const FIND_PEOPLE_INPUT = 'find-people-input'

/** What a newcomer (or anyone with nothing open) can do next: find people, open the world channel, start a group. */
export function NextSteps() {
  const controller = useController()
  const t = useT()
  const worldId = useAppState((s) => s.worldId)
  const findPeople = () => {
    controller.setTab('friends')
    // after the Friends tab rendered its search box
    requestAnimationFrame(() => document.getElementById(FIND_PEOPLE_INPUT)?.focus())
  }
  return (
    <div className="next-steps" data-testid="next-steps">
      <button type="button" className="btn primary small" onClick={findPeople}>
        <Icon name="people" size={16} /> {t('next.findPeople')}
      </button>
      {worldId ? (
        <button type="button" className="btn small" onClick={() => void controller.conversations.open(worldId)}>
          <Icon name="globe" size={16} /> {t('next.openWorld')}
        </button>
      ) : null}
      <button type="button" className="btn small ghost" onClick={() => controller.setTab('groups')}>
        <Icon name="group" size={16} /> {t('next.groups')}
      </button>
    </div>
  )
}
