/**
 * Wire types of the JIM API (v1): the views and frames come from the wire contract
 * (@jim/protocol), request bodies from the SDK (@jim/client). Type-only, so node tests and the
 * browser bundle import nothing at run time.
 */
export type {
  BlockedUser,
  Call,
  CallMedia,
  CallParticipant,
  ClientFrame,
  ClientMessageType,
  Conversation,
  ConversationKind,
  ErrorBody,
  Friend,
  FriendRequest,
  FriendRequestStatus,
  Group,
  GroupRole,
  JoinPolicy,
  JoinRequest,
  Limits,
  LoginResult,
  Message,
  MessagePage,
  MessageType,
  PinnedMessage,
  Page,
  Presence,
  PublicUser,
  ResumePosition,
  SelfUser,
  ServerFrame,
  ServerFrameOf,
  ShownStatus,
  UserStatus,
  Ban as GroupBan,
  Invitation as GroupInvitation,
  Member as GroupMember,
} from '@jim/protocol'
export type {
  Captcha,
  CaptchaAnswer,
  CreateGroupBody,
  DeviceSession,
  JoinResult,
  LoginBody,
  RegisterBody,
  SendFriendRequestBody,
  SendMessageBody,
  TextContent,
  UploadKind,
  UploadedFile,
  WeakPasswordDetails,
} from '@jim/client'

export interface SystemContent {
  event: string
  [field: string]: unknown
}
