import { ApiError } from '@jim/client'
import { isMessageKey } from '../i18n/index.js'
import type { Translate } from '../hooks/app-context.js'

/** A user-facing sentence for a failed call: our translation of its code when we have one. */
export function errorText(t: Translate, err: unknown): string {
  if (err instanceof ApiError) return codeText(t, err.code, err.message)
  return t('error.generic')
}

export function codeText(t: Translate, code: string, fallback?: string): string {
  const key = `error.${code}`
  if (isMessageKey(key)) return t(key)
  if (code.startsWith('http.') || !fallback) return t('error.generic')
  return fallback
}
