import { useState, type FormEvent, type ReactNode } from 'react'
import { useT } from '../hooks/app-context.js'
import { errorText } from './error-text.js'
import { Icon } from './Icon.js'

/**
 * A panel's search (people, groups): the form, the "at least 2 characters" check, the error or
 * "no results" line, and the results drawn by `children`.
 */
export function SearchSection<T>(props: {
  /** id of the (screen-reader) heading */
  id: string
  label: string
  placeholder: string
  /** id of the search box (so a link elsewhere can focus it) */
  inputId?: string
  run: (query: string) => Promise<T[]>
  children: (results: T[]) => ReactNode
}) {
  const t = useT()
  const [q, setQ] = useState('')
  const [results, setResults] = useState<T[] | null>(null)
  const [error, setError] = useState<string | null>(null)

  const search = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    if (q.trim().length < 2) return setError(t('search.tooShort'))
    try {
      setResults(await props.run(q.trim()))
    } catch (err) {
      setError(errorText(t, err))
    }
  }

  return (
    <section className="panel-section" aria-labelledby={props.id}>
      <h3 id={props.id} className="sr-only">
        {props.label}
      </h3>
      <form className="search-form" onSubmit={search} role="search">
        <Icon name="search" size={18} />
        <input
          id={props.inputId}
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder={props.placeholder}
          aria-label={props.label}
        />
        <button type="submit" className="btn small">
          {t('common.search')}
        </button>
      </form>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {results ? results.length === 0 ? <p className="empty-note">{t('search.noResults')}</p> : props.children(results) : null}
    </section>
  )
}
