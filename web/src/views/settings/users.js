// Users and portfolios (A1-A3): who signs in with which role, who is active, which
// customers a collector follows (rules by company, rep or profile, and named customers),
// and the users Sage's reps suggest.
import { useState } from 'preact/hooks'
import { api, get } from '../../api.js'
import { addWords, errorText, t } from '../../i18n.js'
import { Failed, Field, html, Loading, Notice, problemsOf, Section, useLoad } from '../../ui.js'
import { ExportMenu } from '../export.js'

const ROLES = ['admin', 'user', 'viewer']

addWords({
  fr: {
    us: {
      title: 'Utilisateurs', name: 'Nom', email: 'E-mail', role: 'Rôle', active: 'Actif', inactive: 'Désactivé',
      activate: 'Réactiver', deactivate: 'Désactiver', portfolio: 'Portefeuille', create: 'Créer l’utilisateur',
      newUser: 'Nouvel utilisateur', display_name: 'Nom affiché', created: 'Utilisateur {name} créé.', changed: 'Modifié.',
      proposals: 'Suggestions d’après les commerciaux Sage', propose: 'Créer', reps: 'Commerciaux Sage',
      noProposal: 'Aucune suggestion.', rules: 'Règles', rule: 'Règle {n}', company: 'Société', rep_number: 'N° commercial',
      profile: 'Profil', addRule: '+ Règle', removeRule: 'Retirer la règle {n}', customers: 'Clients nommés (SOCIÉTÉ/CODE, un par ligne)',
      savePortfolio: 'Enregistrer le portefeuille', portfolioSaved: 'Portefeuille enregistré (version {v}).', any: 'toutes',
      portfolioOf: 'Portefeuille de {name}', close: 'Fermer', badLine: 'Ligne {n} illisible : écrivez SOCIÉTÉ/CODE.',
      stale: 'Modifié par quelqu’un d’autre entre-temps : rechargez.',
    },
  },
  en: {
    us: {
      title: 'Users', name: 'Name', email: 'E-mail', role: 'Role', active: 'Active', inactive: 'Deactivated',
      activate: 'Reactivate', deactivate: 'Deactivate', portfolio: 'Portfolio', create: 'Create the user',
      newUser: 'New user', display_name: 'Display name', created: 'User {name} created.', changed: 'Changed.',
      proposals: 'Suggested from Sage’s reps', propose: 'Create', reps: 'Sage reps',
      noProposal: 'No suggestion.', rules: 'Rules', rule: 'Rule {n}', company: 'Company', rep_number: 'Rep number',
      profile: 'Profile', addRule: '+ Rule', removeRule: 'Remove rule {n}', customers: 'Named customers (COMPANY/CODE, one per line)',
      savePortfolio: 'Save the portfolio', portfolioSaved: 'Portfolio saved (version {v}).', any: 'any',
      portfolioOf: 'Portfolio of {name}', close: 'Close', badLine: 'Line {n} unreadable: write COMPANY/CODE.',
      stale: 'Changed by someone else meanwhile: reload.',
    },
  },
})

const reps = (links) => links.map((l) => `${l.company} #${l.rep_number}`).join(', ')

function NewUser({ onCreated }) {
  const [problems, setProblems] = useState({})
  const [error, setError] = useState('')
  const submit = async (event) => {
    event.preventDefault()
    const form = new FormData(event.target)
    try {
      const user = await api('POST', '/users', { email: form.get('email'), display_name: form.get('display_name'), role: form.get('role') })
      event.target.reset()
      setProblems({})
      setError('')
      onCreated(user)
    } catch (err) {
      setProblems(problemsOf(err))
      setError(errorText(err))
    }
  }
  return html`<form class="stack" onSubmit=${submit} aria-label=${t('us.newUser')} novalidate>
    <div class="form-grid">
      <${Field} label=${t('us.email')} name="email" problems=${problems} render=${(a) => html`<input ...${a} type="email" required />`} />
      <${Field} label=${t('us.display_name')} name="display_name" problems=${problems} render=${(a) => html`<input ...${a} required maxlength="100" />`} />
      <${Field} label=${t('us.role')} name="role" problems=${problems} render=${(a) => html`<select ...${a}>
        ${ROLES.map((r) => html`<option value=${r} selected=${r === 'user'}>${t(`role.${r}`)}</option>`)}</select>`} />
    </div>
    ${error && html`<${Notice} kind="error">${error}<//>`}
    <div class="form-buttons"><button class="primary" type="submit">${t('us.create')}</button></div>
  </form>`
}

function parseCustomers(text) {
  const refs = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i].trim()
    if (!line) continue
    const [company, number] = line.split('/').map((x) => x.trim())
    if (!company || !number) throw new Error(t('us.badLine', { n: i + 1 }))
    refs.push({ company, number })
  }
  return refs
}

function PortfolioEditor({ user, onClose }) {
  const loaded = useLoad(() => Promise.all([get(`/users/${user.user_id}/portfolio`), get('/settings/dunning').catch(() => ({ profiles: [] }))]), [user.user_id])
  const [rules, setRules] = useState(null)
  const [text, setText] = useState(null)
  const [note, setNote] = useState(null)
  const [version, setVersion] = useState(null)
  if (loaded.error) return html`<${Failed} error=${loaded.error} />`
  if (!loaded.data) return html`<${Loading} />`
  const [portfolio, dunning] = loaded.data
  const shown = rules || portfolio.rules
  const written = text ?? portfolio.customers.map((c) => `${c.company}/${c.number}`).join('\n')
  const setRule = (i, changes) => setRules(shown.map((r, j) => (j === i ? { ...r, ...changes } : r)))
  const save = async (event) => {
    event.preventDefault()
    try {
      const body = {
        rules: shown.map((r) => ({ company: r.company || null, rep_number: r.rep_number ? Number(r.rep_number) : null, profile: r.profile || null })),
        customers: parseCustomers(written), version: version ?? portfolio.version,
      }
      const saved = await api('PUT', `/users/${user.user_id}/portfolio`, body)
      setVersion(saved.version)
      setNote({ kind: 'success', text: t('us.portfolioSaved', { v: saved.version }) })
    } catch (err) {
      const problems = Object.entries(problemsOf(err)).map(([w, p]) => `${w}: ${p}`)
      setNote({ kind: 'error', text: err.status === 409 ? t('us.stale') : [errorText(err), ...problems].join(' · ') })
    }
  }
  return html`<form class="card stack portfolio" onSubmit=${save} aria-label=${t('us.portfolioOf', { name: user.display_name })}>
    <div class="card-head"><h3>${t('us.portfolioOf', { name: user.display_name })}</h3>
      <button type="button" class="small" onClick=${onClose}>${t('us.close')}</button></div>
    <fieldset class="plain"><legend>${t('us.rules')}</legend>
      ${shown.map((r, i) => html`<div class="field-row rule" role="group" aria-label=${t('us.rule', { n: i + 1 })}>
        <div class="field"><label for=${`rule-${i}-company`}>${t('us.company')}</label>
          <input id=${`rule-${i}-company`} value=${r.company || ''} onInput=${(e) => setRule(i, { company: e.target.value })} /></div>
        <div class="field"><label for=${`rule-${i}-rep`}>${t('us.rep_number')}</label>
          <input id=${`rule-${i}-rep`} type="number" min="1" value=${r.rep_number || ''} onInput=${(e) => setRule(i, { rep_number: e.target.value })} /></div>
        <div class="field"><label for=${`rule-${i}-profile`}>${t('us.profile')}</label>
          <select id=${`rule-${i}-profile`} value=${r.profile || ''} onChange=${(e) => setRule(i, { profile: e.target.value })}>
            <option value="">${t('us.any')}</option>${dunning.profiles.map((p) => html`<option value=${p.profile_id}>${p.name}</option>`)}</select></div>
        <button type="button" class="small" onClick=${() => setRules(shown.filter((_, j) => j !== i))}>${t('us.removeRule', { n: i + 1 })}</button>
      </div>`)}
      <button type="button" class="small" onClick=${() => setRules([...shown, { company: '', rep_number: '', profile: '' }])}>${t('us.addRule')}</button>
    </fieldset>
    <div class="field"><label for="portfolio-customers">${t('us.customers')}</label>
      <textarea id="portfolio-customers" rows="4" value=${written} onInput=${(e) => setText(e.target.value)}></textarea></div>
    ${note && html`<${Notice} kind=${note.kind}>${note.text}<//>`}
    <div class="form-buttons"><button class="primary" type="submit">${t('us.savePortfolio')}</button></div>
  </form>`
}

function UserRow({ user, me, onChanged, onError, onPortfolio }) {
  const change = async (request) => {
    try { onChanged(await request()) } catch (err) { onError(err) }
  }
  const self = user.user_id === me.user_id
  return html`<tr class=${user.active ? '' : 'inactive'}>
    <td><strong>${user.display_name}</strong><span class="sub">${user.email}</span>
      ${user.rep_links.length > 0 && html`<span class="sub">${t('us.reps')} : ${reps(user.rep_links)}</span>`}</td>
    <td><select aria-label=${`${t('us.role')} · ${user.display_name}`} value=${user.role} disabled=${self}
      onChange=${(e) => change(() => api('PATCH', `/users/${user.user_id}`, { version: user.version, role: e.target.value }))}>
      ${ROLES.map((r) => html`<option value=${r}>${t(`role.${r}`)}</option>`)}</select></td>
    <td><span class=${`status ${user.active ? 'done' : 'broken'}`}>${user.active ? t('us.active') : t('us.inactive')}</span></td>
    <td class="row-actions">
      ${!self && html`<button type="button" class="small" aria-label=${`${user.active ? t('us.deactivate') : t('us.activate')} ${user.display_name}`}
        onClick=${() => change(() => api('POST', `/users/${user.user_id}/${user.active ? 'deactivate' : 'activate'}`))}>
        ${user.active ? t('us.deactivate') : t('us.activate')}</button>`}
      ${user.role === 'user' && html`<button type="button" class="small" aria-label=${`${t('us.portfolio')} ${user.display_name}`}
        onClick=${() => onPortfolio(user)}>${t('us.portfolio')}</button>`}
    </td>
  </tr>`
}

export function Users({ me }) {
  const loaded = useLoad(() => Promise.all([get('/users'), get('/users/proposals').catch(() => ({ proposals: [] }))]), [])
  const [note, setNote] = useState(null)
  const [editing, setEditing] = useState(null)
  if (loaded.error) return html`<${Failed} error=${loaded.error} retry=${loaded.reload} />`
  if (!loaded.data) return html`<${Loading} />`
  const [{ users }, { proposals }] = loaded.data
  const changed = (text) => { setNote({ kind: 'success', text }); loaded.reload() }
  const failed = (err) => setNote({ kind: 'error', text: errorText(err) })
  const propose = (p) => api('POST', '/users', { email: p.email, display_name: p.display_name, role: p.suggested_role, rep_links: p.rep_links })
    .then((u) => changed(t('us.created', { name: u.display_name }))).catch(failed)
  const sorted = [...users].sort((a, b) => Number(b.active) - Number(a.active) || a.display_name.localeCompare(b.display_name))
  return html`<div class="stack">
    ${note && html`<${Notice} kind=${note.kind}>${note.text}<//>`}
    <${ExportMenu} path="/users" />
    <div class="card table-wrap"><table class="list users">
      <caption class="visually-hidden">${t('us.title')}</caption>
      <thead><tr><th scope="col">${t('us.name')}</th><th scope="col">${t('us.role')}</th><th scope="col">${t('status')}</th><th scope="col"></th></tr></thead>
      <tbody>${sorted.map((u) => html`<${UserRow} key=${u.user_id} user=${u} me=${me} onError=${failed} onPortfolio=${setEditing}
        onChanged=${() => changed(t('us.changed'))} />`)}</tbody>
    </table></div>
    ${editing && html`<${PortfolioEditor} key=${editing.user_id} user=${editing} onClose=${() => setEditing(null)} />`}
    <${Section} title=${t('us.newUser')} id="new-user-title"><${NewUser} onCreated=${(u) => changed(t('us.created', { name: u.display_name }))} /><//>
    <${Section} title=${t('us.proposals')} id="proposals-title">
      ${proposals.length === 0 ? html`<p class="muted">${t('us.noProposal')}</p>` : html`<ul class="records">
        ${proposals.map((p) => html`<li><strong>${p.display_name}</strong> <span class="muted">${p.email} · ${t(`role.${p.suggested_role}`)} · ${reps(p.rep_links)}
          ${p.functions.length ? ` · ${p.functions.join(', ')}` : ''}</span>
          ${!p.existing_user_id && html`<button type="button" class="small" aria-label=${`${t('us.propose')} ${p.display_name}`} onClick=${() => propose(p)}>${t('us.propose')}</button>`}</li>`)}
      </ul>`}
    <//>
  </div>`
}
