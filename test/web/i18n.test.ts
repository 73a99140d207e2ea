import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { en } from '../../web/src/i18n/en.js'
import { dictionaries, LOCALES, pickLocale, translate } from '../../web/src/i18n/index.js'
import { zhCN } from '../../web/src/i18n/zh-CN.js'

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('i18n dictionaries', () => {
  it('should have exactly the same keys in English and Chinese', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort())
  })

  it('should have a non-empty text and the same placeholders for every key in every language', () => {
    for (const locale of LOCALES) {
      for (const [key, text] of Object.entries(dictionaries[locale])) {
        expect(text.trim(), `${locale} ${key}`).not.toBe('')
        expect(placeholders(text), `${locale} ${key}`).toEqual(placeholders(en[key as keyof typeof en]))
      }
    }
  })

  it('should really translate: most Chinese texts differ from English', () => {
    const same = Object.keys(en).filter((k) => en[k as keyof typeof en] === zhCN[k as keyof typeof en])
    expect(same.length).toBeLessThan(5)
  })

  it('should fill placeholders', () => {
    expect(translate('en', 'conn.retryIn', { seconds: 3 })).toBe('Connection lost. Retrying in 3s…')
    expect(translate('zh-CN', 'groups.memberCount', { count: 3 })).toBe('3 名成员')
  })

  it('should pick Chinese for any zh browser language and English otherwise', () => {
    expect(pickLocale(['zh-CN'])).toBe('zh-CN')
    expect(pickLocale(['zh-Hans', 'en'])).toBe('zh-CN')
    expect(pickLocale(['zh-TW'])).toBe('zh-CN')
    expect(pickLocale(['fr-FR', 'en-GB'])).toBe('en')
    expect(pickLocale(['de'])).toBe('en')
    expect(pickLocale([])).toBe('en')
  })

  it('should only use keys that exist (every t("...") in the web client)', () => {
    const root = join(import.meta.dirname, '../../web/src')
    const files: string[] = []
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name))
        else if (/\.tsx?$/.test(e.name) && !dir.endsWith('i18n')) files.push(join(dir, e.name))
      }
    }
    walk(root)
    const used = new Set<string>()
    for (const f of files) {
      const src = readFileSync(f, 'utf8')
      for (const m of src.matchAll(/\bt\(\s*'([^']+)'/g)) used.add(m[1]!)
      for (const m of src.matchAll(/translate\([^,]+,\s*'([^']+)'/g)) used.add(m[1]!)
      for (const m of src.matchAll(/key: '([^']+)'/g)) used.add(m[1]!)
    }
    expect(used.size).toBeGreaterThan(100)
    const missing = [...used].filter((k) => !(k in en))
    expect(missing).toEqual([])
  })
})
