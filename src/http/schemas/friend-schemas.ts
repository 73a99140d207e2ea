import { Type } from 'typebox'

// the views are the wire contract's (@jim/protocol); request fields stay here
export { BlockedUser, Friend, FriendRequest, FriendRequestStatus as RequestStatus, Presence } from '@jim/protocol'

export const Note = Type.String({ maxLength: 200, description: 'shown to the recipient with the request' })
export const Greeting = Type.String({ maxLength: 500, description: 'posted as a direct message from the requester on acceptance' })
export const Remark = Type.String({ maxLength: 64, description: 'my private name for this friend; empty clears it' })
