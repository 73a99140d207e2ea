import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, createUser, STRONG_PASSWORD } from '../helpers/api-client.js'
import { befriend } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const RLO = '\u202E'
const ZWSP = '\u200B'
const LRI = '\u2066'
const PDI = '\u2069'
const FAMILY = '👨\u200D👩\u200D👧'
const PERSIAN = 'می\u200Cخواهم'

describe('names shown to other people refuse invisible tricks', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t?.close())

  it('should strip bidi controls and zero-width characters from nicknames, keeping emoji and script joiners', async () => {
    const reg = await new ApiClient(t.url).post('/auth/register', {
      username: 'spoofer1',
      password: STRONG_PASSWORD,
      nickname: `${RLO}gpj.exe`,
    })
    expect(reg.status).toBe(201)
    expect(reg.body.user.nickname).toBe('gpj.exe')
    const user = await createUser(t.url, 'renamer')
    const cases: Array<[string, string]> = [
      [`ad${ZWSP}min`, 'admin'],
      [`${LRI}Bob${PDI} \u200E`, 'Bob'],
      [`${FAMILY} family`, `${FAMILY} family`],
      [PERSIAN, PERSIAN],
      [`\u200Dlonely\u200D`, 'lonely'],
    ]
    for (const [given, stored] of cases) {
      const res = await user.api.patch('/me', { nickname: given })
      expect(res.status).toBe(200)
      expect(res.body.nickname).toBe(stored)
    }
    const invisible = await user.api.patch('/me', { nickname: `${RLO}${ZWSP}\uFEFF ` })
    expect(invisible.status).toBe(400)
    expect(invisible.body.error.code).toBe('request.invalid')
    expect(invisible.body.error.details[0]).toMatchObject({ field: 'nickname', problem: 'empty' })
  })

  it('should clean group names, group nicknames and friend remarks the same way', async () => {
    const owner = await createUser(t.url, 'gowner')
    const friend = await createUser(t.url, 'gfriend')
    await befriend(owner, friend)
    const group = await owner.api.post('/groups', { name: `Team${RLO}cod.scr`, memberIds: [friend.id] })
    expect(group.status).toBe(201)
    expect(group.body.group.name).toBe('Teamcod.scr')
    const gid = group.body.group.id
    const renamed = await owner.api.patch(`/groups/${gid}`, { name: `Adm${ZWSP}ins` })
    expect(renamed.body.name).toBe('Admins')
    expect((await owner.api.patch(`/groups/${gid}`, { name: `${ZWSP}${RLO}` })).status).toBe(400)
    const nick = await owner.api.patch(`/groups/${gid}/members/${owner.id}`, { groupNickname: `bo${ZWSP}ss` })
    expect(nick.status).toBe(200)
    const members = await owner.api.get(`/groups/${gid}/members`)
    expect(members.body.items.find((m: { userId: string }) => m.userId === owner.id).groupNickname).toBe('boss')
    const remark = await owner.api.patch(`/friends/${friend.id}`, { remark: `${RLO}mum` })
    expect(remark.status).toBe(200)
    const friends = await owner.api.get('/friends')
    expect(friends.body.items[0].remark).toBe('mum')
  })
})
