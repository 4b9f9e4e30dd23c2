// Relance in the browser: hash routes, the signed-in shell, the sign-in screen.
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { api, get, getConfig, loadConfig, localLogins, signInCognito, signInLocal, signOut, token, whenSignedOut } from './api.js'
import { applySettings, errorText, settings, t } from './i18n.js'
import { html, lazy, Notice } from './ui.js'
import { Dashboard } from './views/dashboard.js'
import { Customers } from './views/customers.js'
import { CustomerCard } from './views/card.js'
import { Tasks } from './views/tasks.js'

// Screens fewer people open, loaded on first use: the dashboard does not carry them.
const Settings = lazy(() => import('./views/settings/index.js'), 'Settings')
const Reminders = lazy(() => import('./views/reminders.js'), 'Reminders')
const Preferences = lazy(() => import('./views/preferences.js'), 'Preferences')

const RANK = { viewer: 0, user: 1, admin: 2 }

/** The current hash route: "#/customers?q=x" -> { path: ['customers'], params: {q: 'x'} }. */
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '')
  const [path, search = ''] = raw.split('?')
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), params: Object.fromEntries(new URLSearchParams(search)) }
}

function useRoute() {
  const [route, setRoute] = useState(parseHash())
  useEffect(() => {
    const changed = () => setRoute(parseHash())
    addEventListener('hashchange', changed)
    return () => removeEventListener('hashchange', changed)
  }, [])
  return route
}

function SignIn({ onSignedIn, message }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const cognito = getConfig().auth === 'cognito'
  const [error, setError] = useState(message || '')
  const [busy, setBusy] = useState(false)
  const [logins, setLogins] = useState([])
  useEffect(() => { localLogins().then(setLogins).catch(() => {}) }, [])
  const submit = async (event, chosen) => {
    event.preventDefault()
    setBusy(true)
    setError('')
    try {
      if (cognito) await signInCognito(email, password)
      else await signInLocal(chosen || email)
      onSignedIn()
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }
  useEffect(() => { document.title = `${t('signIn')} · Relance` }, [])
  return html`
    <main id="main" class="signin">
      <form class="card signin-card" onSubmit=${submit} aria-labelledby="signin-title">
        <div class="brand-big"><img src="icon.svg" alt="" width="40" height="40" /> Relance</div>
        <h1 id="signin-title">${t('signInTitle')}</h1>
        ${!cognito && html`<p class="muted">${t('localSignIn')}</p>`}
        ${error && html`<${Notice} kind="error">${error}<//>`}
        <label for="signin-email">${t('email')}</label>
        <input id="signin-email" type="email" autocomplete="username" required value=${email}
          onInput=${(e) => setEmail(e.target.value)} />
        ${cognito && html`<label for="signin-password">${t('password')}</label>
          <input id="signin-password" type="password" autocomplete="current-password" required value=${password}
            onInput=${(e) => setPassword(e.target.value)} />`}
        <button class="primary" type="submit" disabled=${busy}>${t('signInButton')}</button>
        ${logins.length > 0 && html`
          <h2 class="small-title">${t('demoUsers')}</h2>
          <ul class="logins">
            ${logins.map((u) => html`<li><button type="button" class="link" disabled=${busy}
              onClick=${(e) => { setEmail(u.email); submit(e, u.email) }}>
              ${u.display_name} <span class="muted">· ${t(`role.${u.role}`)}</span></button></li>`)}
          </ul>`}
      </form>
    </main>`
}

function LanguageSwitch({ onChanged }) {
  const change = async (language) => {
    const previous = { ...settings }
    applySettings({ language })
    onChanged()
    try {
      const saved = await api('PUT', '/me/settings', { ...previous, language })
      applySettings(saved)
    } catch {
      // Kept for this visit even if it could not be saved (e.g. changed elsewhere meanwhile).
    }
    onChanged()
  }
  return html`
    <label class="lang"><span class="visually-hidden">${t('language')}</span>
      <select value=${settings.language} onChange=${(e) => change(e.target.value)}>
        <option value="fr">FR</option><option value="en">EN</option>
      </select>
    </label>`
}

function Shell({ me, route, onChanged }) {
  const [section = 'dashboard'] = route.path
  const canEdit = RANK[me.role] >= RANK.user
  const isAdmin = me.role === 'admin'
  const links = [['dashboard', '#/'], ['customers', '#/customers'], ['tasks', '#/tasks'], ['reminders', '#/reminders']]
  // Settings are the admins' (the API refuses the others' changes anyway).
  if (isAdmin) links.push(['settings', '#/settings'])
  let view
  if (section === 'dashboard') view = html`<${Dashboard} me=${me} params=${route.params} />`
  else if (section === 'customers' && route.path.length === 3) {
    view = html`<${CustomerCard} me=${me} canEdit=${canEdit} company=${route.path[1]} number=${route.path[2]} />`
  } else if (section === 'customers') view = html`<${Customers} me=${me} params=${route.params} />`
  else if (section === 'tasks') view = html`<${Tasks} me=${me} canEdit=${canEdit} tab=${route.path[1] || 'calls'} />`
  else if (section === 'reminders') view = html`<${Reminders} me=${me} params=${route.params} />`
  else if (section === 'preferences') view = html`<${Preferences} onChanged=${onChanged} />`
  else if (section === 'settings' && isAdmin) view = html`<${Settings} me=${me} tab=${route.path[1]} params=${route.params} />`
  else view = html`<p>${t('notFound')}</p>`
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main')?.focus() }}>${t('skip')}</a>
    <header class="top">
      <a class="brand" href="#/"><img src="icon.svg" alt="" width="28" height="28" /> <span>Relance</span></a>
      <nav aria-label="Navigation">
        ${links.map(([name, href]) => html`<a href=${href} aria-current=${section === name ? 'page' : undefined}>${t(`nav.${name}`)}</a>`)}
      </nav>
      <div class="who">
        <span class="who-name" title=${me.email}>${me.display_name || me.email}<small>${t(`role.${me.role}`)}</small></span>
        <${LanguageSwitch} onChanged=${onChanged} />
        <a class="button ghost icon" href="#/preferences" title=${t('preferences')} aria-label=${t('preferences')}
          aria-current=${section === 'preferences' ? 'page' : undefined}><span aria-hidden="true">⚙</span></a>
        <button type="button" class="ghost" onClick=${() => signOut()}>${t('signOut')}</button>
      </div>
    </header>
    ${!canEdit && html`<p class="banner" role="note">${t('readOnly')}</p>`}
    <main id="main" tabindex="-1">${view}</main>`
}

function App() {
  const route = useRoute()
  const [me, setMe] = useState(null)
  const [state, setState] = useState(token() ? 'loading' : 'signed-out')
  const [message, setMessage] = useState('')
  const [, setTick] = useState(0)
  const refresh = () => setTick((n) => n + 1)

  const start = async () => {
    setState('loading')
    try {
      const [who, shown] = await Promise.all([get('/me'), get('/me/settings')])
      applySettings(shown)
      setMe(who)
      setState('ready')
      if (route.path[0] === 'sign-in') location.hash = '#/'
    } catch (err) {
      setMessage(errorText(err))
      setState('signed-out')
    }
  }
  useEffect(() => {
    whenSignedOut((why) => { setMe(null); setMessage(why || ''); setState('signed-out') })
    if (token()) start()
  }, [])

  if (state === 'signed-out') return html`<${SignIn} message=${message} onSignedIn=${start} />`
  if (state === 'loading' || !me) return html`<p class="loading" role="status">${t('loading')}</p>`
  return html`<${Shell} me=${me} route=${route} onChanged=${refresh} />`
}

loadConfig().then(() => {
  const root = document.getElementById('app')
  root.textContent = '' // the static "loading" line
  render(html`<${App} />`, root)
})
