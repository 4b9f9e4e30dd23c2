// Small shared pieces: the html tag, loading state, notices, flags, disclosure panels.
import { h } from 'preact'
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import htm from 'htm'
import { errorText, t } from './i18n.js'

export const html = htm.bind(h)

/** Loads `load()` again whenever `deps` change: { data, error, loading, reload }. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true })
  const seq = useRef(0)
  const reload = useCallback(async () => {
    const mine = ++seq.current
    setState((s) => ({ ...s, loading: true }))
    try {
      const data = await load()
      if (mine === seq.current) setState({ data, error: null, loading: false })
    } catch (error) {
      if (mine === seq.current) setState({ data: null, error, loading: false })
    }
  }, deps)
  useEffect(() => { reload() }, [reload])
  return { ...state, reload }
}

export function Notice({ kind = 'info', children }) {
  return html`<p class=${`notice ${kind}`} role=${kind === 'error' ? 'alert' : 'status'}>${children}</p>`
}

export function Loading() {
  return html`<p class="loading" role="status">${t('loading')}</p>`
}

export function Failed({ error, retry }) {
  return html`<div class="notice error" role="alert">${errorText(error)}
    ${retry && html` <button type="button" class="link" onClick=${retry}>${t('retry')}</button>`}</div>`
}

export function Flags({ row }) {
  const flags = []
  if (row.flagged) flags.push(['watch', t('flagWatch')])
  if (row.open_disputes > 0) flags.push(['dispute', t('flagDispute')])
  if (row.broken_promises > 0) flags.push(['broken', t('flagBroken')])
  else if (row.open_promises > 0) flags.push(['promise', t('flagPromise')])
  if (!flags.length) return null
  return html`<span class="flags">${flags.map(([kind, label]) => html`<span class=${`flag ${kind}`}>${label}</span>`)}</span>`
}

export function lateClass(days) {
  if (days > 90) return 'late late-4'
  if (days > 60) return 'late late-3'
  if (days > 30) return 'late late-2'
  if (days > 0) return 'late late-1'
  return 'late'
}

/** A titled page section. */
export function Section({ title, id, actions, children, className = '' }) {
  return html`<section class=${`card ${className}`} aria-labelledby=${id}>
    <div class="card-head"><h2 id=${id}>${title}</h2>${actions}</div>
    ${children}
  </section>`
}

/** Sets the page title (what a screen reader announces on a route change, with the h1). */
export function useTitle(title) {
  useEffect(() => { document.title = `${title} · Relance` }, [title])
}
