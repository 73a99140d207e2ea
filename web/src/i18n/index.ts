/**
 * A small i18n layer: every user-facing string is a key of the English dictionary; zh-CN
 * must define the same keys (the type below and a test check it). `{name}` placeholders are
 * filled from params. No React here so node tests can import it.
 */
import { en } from './en.js'
import { zhCN } from './zh-CN.js'

export type MessageKey = keyof typeof en
export type Dictionary = Record<MessageKey, string>
export type Locale = 'en' | 'zh-CN'

export const LOCALES: readonly Locale[] = ['en', 'zh-CN']
export const dictionaries: Record<Locale, Dictionary> = { en, 'zh-CN': zhCN }

/** The best supported locale for the browser's preferred languages (zh, zh-CN, zh-Hans… → zh-CN). */
export function pickLocale(languages: readonly string[]): Locale {
  for (const lang of languages) {
    const l = lang.toLowerCase()
    if (l.startsWith('zh')) return 'zh-CN'
    if (l.startsWith('en')) return 'en'
  }
  return 'en'
}

export type Params = Record<string, string | number>

export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const template = dictionaries[locale][key] ?? en[key] ?? key
  if (!params) return template
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole))
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key)
}
