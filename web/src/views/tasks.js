// My actions (C4): today's calls and other manual steps, with a script and quick outcomes;
// the letters waiting for a person's approval before they are posted; mass actions.
import { useState } from 'preact/hooks'
import { api, get } from '../api.js'
import { day, errorText, money, t } from '../i18n.js'
import { Failed, html, lateClass, lazy, Loading, Notice, Tabs, useLoad, useTitle } from '../ui.js'

const MassActions = lazy(() => import('./mass.js'), 'MassActions')

const cardLink = (task) => `#/customers/${encodeURIComponent(task.company)}/${encodeURIComponent(task.customer)}`
const actionId = (task) => task.action_id || `${task.as_of}_${task.step}`

/** The task's own script when the run wrote one (its template), else a plain opening. */
function script(task) {
  if (task.script) return task.script
  return t('callScriptText', {
    name: (task.recipient && task.recipient.name) || task.customer, amount: money(task.amount), days: task.days_late,
  })
}

function Task({ task, canEdit, onDone }) {
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const phone = task.recipient && task.recipient.phone
  const complete = async (outcome) => {
    setBusy(true)
    setError('')
    try {
      const path = `/customers/${encodeURIComponent(task.company)}/${encodeURIComponent(task.customer)}/actions/${actionId(task)}/complete`
      await api('POST', path, { outcome })
      onDone(task)
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }
  const title = (task.recipient && task.recipient.name) || task.customer
  return html`<li class="card task">
    <div class="task-head">
      <h2><a href=${cardLink(task)}>${title}</a></h2>
      <span class="pill">${task.step}</span> <span class="muted">${t(`channels.${task.channel}`) || task.channel}</span>
    </div>
    <p class="task-figures"><strong>${money(task.amount)}</strong>
      <span class=${lateClass(task.days_late)}>${t('days', { n: task.days_late })}</span>
      <span class="sub">${task.company} · ${task.customer} · ${day(task.as_of)}</span></p>
    ${phone && html`<p><a class="button" href=${`tel:${phone.replace(/\s/g, '')}`}>${t('call')} ${phone}</a></p>`}
    <details class="script"><summary>${t('callScript')}</summary><p>${script(task)}</p></details>
    ${error && html`<${Notice} kind="error">${error}<//>`}
    ${canEdit && html`<div class="action-row" role="group" aria-label=${t('actions')}>
      <button type="button" class="primary" disabled=${busy} onClick=${() => complete('done')}>${t('outcomeDone')}</button>
      <a class="button" href=${cardLink(task)}>${t('outcomePromise')}</a>
      <button type="button" disabled=${busy} onClick=${() => complete('skipped')}>${t('outcomeSkipped')}</button>
    </div>`}
  </li>`
}

/** A letter a run prepared as a manual step (a formal notice, say): read, then approve
 * (it is posted) or hold it back. The outcome is the task's completion. */
function Letter({ task, canEdit, onDone }) {
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const complete = async (outcome) => {
    setBusy(true)
    setError('')
    try {
      const path = `/customers/${encodeURIComponent(task.company)}/${encodeURIComponent(task.customer)}/actions/${actionId(task)}/complete`
      await api('POST', path, { outcome, note: outcome === 'done' ? 'approved' : 'held back' })
      onDone(task)
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }
  const recipient = task.recipient || {}
  const title = recipient.name || task.customer
  return html`<li class="card task letter">
    <div class="task-head">
      <h2><a href=${cardLink(task)}>${title}</a></h2>
      <span class="pill">${task.step}</span>${task.level === 5 && html` <span class="flag dispute">${t('formalNotice')}</span>`}
    </div>
    <p class="task-figures"><strong>${money(task.amount)}</strong>
      <span class=${lateClass(task.days_late)}>${t('days', { n: task.days_late })}</span>
      <span class="sub">${task.company} · ${task.customer} · ${day(task.as_of)} · ${t('invoiceCount', { n: (task.entries || []).length })}</span></p>
    ${recipient.address && recipient.address.length > 0
      ? html`<address class="postal">${recipient.address.map((line) => html`<span>${line}</span>`)}</address>`
      : html`<p class="notice error">${t('noAddress')}</p>`}
    ${error && html`<${Notice} kind="error">${error}<//>`}
    ${canEdit && html`<div class="action-row" role="group" aria-label=${t('actions')}>
      <button type="button" class="primary" disabled=${busy} onClick=${() => complete('done')}>${t('approveLetter')}</button>
      <button type="button" disabled=${busy} onClick=${() => complete('skipped')}>${t('holdLetter')}</button>
    </div>`}
  </li>`
}

function TaskList({ canEdit, letters }) {
  const loaded = useLoad(() => get('/tasks?status=to_do'), [])
  const [gone, setGone] = useState([])
  const [note, setNote] = useState('')
  const all = loaded.data ? loaded.data.items.filter((task) => !gone.includes(task.key)) : []
  const tasks = all.filter((task) => (task.channel === 'letter') === letters)
  const done = (task) => { setGone([...gone, task.key]); setNote(letters ? t('letterDone') : t('taskDone')) }
  const Item = letters ? Letter : Task
  return html`<div class="stack">
    ${loaded.data && html`<p class="muted" role="status">${t(letters ? 'lettersCount' : 'tasksCount', { n: tasks.length })}</p>`}
    ${note && html`<${Notice} kind="success">${note}<//>`}
    ${loaded.error && html`<${Failed} error=${loaded.error} retry=${loaded.reload} />`}
    ${!loaded.data && !loaded.error && html`<${Loading} />`}
    ${loaded.data && tasks.length === 0 && html`<p class="empty card">${letters ? t('noLetter') : t('noTask')}</p>`}
    <ul class="tasks">${tasks.map((task) => html`<${Item} key=${task.key} task=${task} canEdit=${canEdit} onDone=${done} />`)}</ul>
  </div>`
}

export function Tasks({ me, canEdit, tab = 'calls' }) {
  useTitle(t('myActions'))
  const tabs = [['calls', '#/tasks', t('tabCalls')], ['letters', '#/tasks/letters', t('tabLetters')], ['mass', '#/tasks/mass', t('tabMass')]]
  return html`<div class="page">
    <div class="page-head"><h1>${t('myActions')}</h1></div>
    <${Tabs} label=${t('myActions')} tabs=${tabs} current=${tab} />
    ${tab === 'mass' ? html`<${MassActions} me=${me} canEdit=${canEdit} />`
      : html`<${TaskList} key=${tab} canEdit=${canEdit} letters=${tab === 'letters'} />`}
  </div>`
}
