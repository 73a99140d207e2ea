/**
 * @jim/protocol: the JIM wire contract, one source for the server, the SDK and the web client.
 * Every schema is a typebox schema (JSON Schema at run time, a TypeScript type at compile time):
 * each schema `X` has a same-named type `X` (= `Static<typeof X>`).
 */
export * from './bounds.js'
export * from './calls.js'
export * from './client-frames.js'
export * from './common.js'
export * from './errors.js'
export * from './friends.js'
export * from './groups.js'
export * from './limits.js'
export * from './messages.js'
export * from './server-frames.js'
export * from './users.js'
export * from './search.js'
