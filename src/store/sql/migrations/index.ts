import type { Migration } from 'kysely'
import type { Capabilities } from '../capabilities.js'
import * as initial from './0001-initial.js'
import * as accountSecurity from './0002-account-security.js'
import * as files from './0003-files.js'
import * as formerMemberView from './0004-former-member-view.js'
import * as reactions from './0005-reactions.js'
import * as pins from './0006-pins.js'
import * as worldMembers from './0007-world-members.js'
import * as calls from './0008-calls.js'
import * as messageSearch from './0009-message-search.js'
import * as messageFeatures from './0010-message-features.js'
import * as notifications from './0011-notifications.js'
import * as searchIndexOffSendPath from './0012-search-index-off-send-path.js'
import * as searchCaptions from './0013-search-captions.js'
import * as changedMessagesIndex from './0014-changed-messages-index.js'

/**
 * Every migration, in order. Imported statically (not read from a folder) so the same list
 * works from TypeScript sources and from the compiled `dist/`.
 */
export function migrations(caps: Capabilities): Record<string, Migration> {
  return {
    '0001-initial': { up: initial.up(caps) },
    '0002-account-security': { up: accountSecurity.up(caps) },
    '0003-files': { up: files.up(caps) },
    '0004-former-member-view': { up: formerMemberView.up(caps) },
    '0005-reactions': { up: reactions.up(caps) },
    '0006-pins': { up: pins.up(caps) },
    '0007-world-members': { up: worldMembers.up(caps) },
    '0008-calls': { up: calls.up(caps) },
    '0009-message-search': { up: messageSearch.up(caps) },
    '0010-message-features': { up: messageFeatures.up(caps) },
    '0011-notifications': { up: notifications.up(caps) },
    '0012-search-index-off-send-path': { up: searchIndexOffSendPath.up(caps) },
    '0013-search-captions': { up: searchCaptions.up(caps) },
    '0014-changed-messages-index': { up: changedMessagesIndex.up(caps) },
  }
}
