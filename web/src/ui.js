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

/** A view whose module loads on first use (the dashboard does not pay for settings). */
export function lazy(load, name) {
  let loaded = null
  return function Lazy(props) {
    const [View, setView] = useState(() => loaded)
    const [error, setError] = useState(null)
    useEffect(() => {
      if (!loaded) load().then((module) => { loaded = module[name]; setView(() => loaded) }).catch(setError)
    }, [])
    if (error) return html`<${Failed} error=${error} />`
    return View ? h(View, props) : html`<${Loading} />`
  }
}

/** A labelled input with the API's reason for refusing it beside it (422 details):
 * `render(attrs)` draws the input with its id, name and ARIA attributes. */
export function Field({ label, name, problems = {}, hint, render }) {
  const problem = problems[name]
  const id = `field-${name.replace(/\W/g, '-')}`
  const described = problem ? `${id}-problem` : hint ? `${id}-hint` : undefined
  return html`<div class=${`field ${problem ? 'invalid' : ''}`}>
    <label for=${id}>${label}</label>
    ${render({ id, name, 'aria-invalid': problem ? 'true' : undefined, 'aria-describedby': described })}
    ${hint && !problem && html`<small id=${`${id}-hint`} class="muted">${hint}</small>`}
    ${problem && html`<small id=${`${id}-problem`} class="problem">${problem}</small>`}
  </div>`
}

/** The 422 details of an API error, by field path ("siret" -> "a SIRET has 14 digits"). */
export function problemsOf(err) {
  const details = err && err.body && err.body.error && err.body.error.details
  if (!Array.isArray(details)) return {}
  return Object.fromEntries(details.map((d) => [d.where, d.problem.replace(/^Value error, /, '')]))
}

/** Sub-navigation between the screens of a section (settings, my actions). */
export function Tabs({ label, tabs, current }) {
  return html`<nav class="tabs" aria-label=${label}>
    ${tabs.map(([name, href, text]) => html`<a href=${href} aria-current=${current === name ? 'page' : undefined}>${text}</a>`)}
  </nav>`
}

/** Saves a file the API answered (the export): the token goes in a header, not in a link. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob)
  const link = Object.assign(document.createElement('a'), { href: url, download: name })
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
