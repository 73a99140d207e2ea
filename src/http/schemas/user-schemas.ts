import { Type } from 'typebox'

// the views are the wire contract's (@jim/protocol); request fields stay here
export { PublicUser, SelfUser, UserStatus as Status } from '@jim/protocol'

export const Username = Type.String({ minLength: 3, maxLength: 32, description: '[a-z0-9_.-]{3,32} after lower-casing' })
export const Password = Type.String({ minLength: 1, maxLength: 128 })
export const Nickname = Type.String({ minLength: 1, maxLength: 64 })
