// My actions (C4): today's calls and other manual steps, with a script and quick outcomes;
// the letters waiting for a person's approval before they are posted; mass actions.
import { useState } from 'preact/hooks'
import { api, get } from '../api.js'
import { day, errorText, money, settings, t } from '../i18n.js'
import { Failed, html, lateClass, lazy, Loading, Notice, Tabs, useLoad, useTitle } from '../ui.js'
import { DocumentLink } from './document.js'
import { ExportMenu } from './export.js'

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

const completePath = (task) =>
  `/customers/${encodeURIComponent(task.company)}/${encodeURIComponent(task.customer)}/actions/${actionId(task)}/complete`

/** The numbers to dial: the API's list (card, hand-entered and Sage contacts), else the recipient's. */
function phonesOf(task) {
  if (task.phones && task.phones.length) return task.phones
  const phone = task.recipient && task.recipient.phone
  return phone ? [{ name: task.recipient.name || '', role: '', number: phone }] : []
}

/** The promise or dispute said on the phone, recorded with the call's outcome. */
function OutcomeForm({ kind, reasons, busy, onSubmit, onCancel }) {
  const submit = (event) => {
    event.preventDefault()
    const f = new FormData(event.target)
    onSubmit(kind === 'promise'
      ? { outcome: 'promise', note: f.get('note'), promise: { amount: f.get('amount'), date: f.get('date') } }
      : { outcome: 'dispute', dispute: { reason: f.get('reason'), comment: f.get('note') } })
  }
  return html`<form class="outcome-form" onSubmit=${submit}>
    ${kind === 'promise' ? html`<div class="field-row">
        <label class="field"><span>${t('amount')} (€)</span><input name="amount" inputmode="decimal" required
          pattern="[0-9]+([.,][0-9]{1,2})?" onInput=${(e) => { e.target.value = e.target.value.replace(',', '.') }} /></label>
        <label class="field"><span>${t('promisedDate')}</span><input name="date" type="date" required /></label>
      </div>`
      : html`<label class="field"><span>${t('reason')}</span><select name="reason" required>
          ${reasons.map((r) => html`<option value=${r.code}>${settings.language === 'en' ? r.label_en : r.label_fr}</option>`)}
        </select></label>`}
    <label class="field"><span>${t('note')}</span><textarea name="note" rows="2" maxlength="2000"></textarea></label>
    <div class="form-buttons">
      <button class="primary" type="submit" disabled=${busy}>${t('save')}</button>
      <button type="button" onClick=${onCancel}>${t('cancel')}</button>
    </div>
  </form>`
}

function Task({ task, canEdit, onDone }) {
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const [form, setForm] = useState('') // '', 'promise' or 'dispute'
  const [reasons, setReasons] = useState([])
  const [attempts, setAttempts] = useState(task.attempts || 0)
  const [note, setNote] = useState('')
  const send = async (body) => {
    setBusy(true)
    setError('')
    try {
      const answer = await api('POST', completePath(task), body)
      if (body.outcome === 'no_answer') {
        setAttempts(answer.items[0].attempts)
        setNote(t('attemptSaved'))
        setBusy(false)
      } else {
        onDone(task)
      }
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }
  const open = async (kind) => {
    setForm(kind)
    if (kind === 'dispute' && !reasons.length) {
      try { setReasons((await get('/settings/dispute-reasons')).reasons) } catch (err) { setError(errorText(err)) }
    }
  }
  const isCall = task.channel === 'phone'
  const title = (task.recipient && task.recipient.name) || task.customer
  return html`<li class="card task">
    <div class="task-head">
      <h2><a href=${cardLink(task)}>${title}</a></h2>
      <span class="pill">${task.step}</span> <span class="muted">${t(`channels.${task.channel}`) || task.channel}</span>
    </div>
    <p class="task-figures"><strong>${money(task.amount)}</strong>
      <span class=${lateClass(task.days_late)}>${t('days', { n: task.days_late })}</span>
      <span class="sub">${task.company} · ${task.customer} · ${day(task.as_of)}</span>
      ${attempts > 0 && html` <span class="sub">${t('attempts', { n: attempts })}</span>`}</p>
    ${phonesOf(task).length > 0 && html`<ul class="phones" aria-label=${t('phones')}>${phonesOf(task).map((p) => html`<li>
      <a class="button" href=${`tel:${p.number.replace(/[^0-9+]/g, '')}`}>${t('call')} ${p.number}</a>
      <span class="sub">${[p.name, p.role].filter(Boolean).join(' · ')}</span></li>`)}</ul>`}
    <details class="script"><summary>${t('callScript')}</summary><p style="white-space: pre-line">${script(task)}</p></details>
    ${note && html`<${Notice} kind="success">${note}<//>`}
    ${error && html`<${Notice} kind="error">${error}<//>`}
    ${canEdit && !form && html`<div class="action-row" role="group" aria-label=${t('actions')}>
      ${isCall
        ? html`<button type="button" class="primary" disabled=${busy} onClick=${() => send({ outcome: 'reached' })}>${t('outcomeReached')}</button>
          <button type="button" disabled=${busy} onClick=${() => send({ outcome: 'no_answer' })}>${t('outcomeNoAnswer')}</button>`
        : html`<button type="button" class="primary" disabled=${busy} onClick=${() => send({ outcome: 'done' })}>${t('outcomeDone')}</button>`}
      <button type="button" disabled=${busy} onClick=${() => open('promise')}>${t('outcomePromise')}</button>
      <button type="button" disabled=${busy} onClick=${() => open('dispute')}>${t('outcomeDispute')}</button>
      <button type="button" disabled=${busy} onClick=${() => send({ outcome: 'skipped' })}>${t('outcomeSkipped')}</button>
    </div>`}
    ${canEdit && form && html`<${OutcomeForm} kind=${form} reasons=${reasons} busy=${busy} onSubmit=${send} onCancel=${() => setForm('')} />`}
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
    <p><${DocumentLink} company=${task.company} customer=${task.customer} actionId=${actionId(task)} channel="letter" /></p>
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
    <div class="page-head"><h1>${t('myActions')}</h1>${tab !== 'mass' && html`<${ExportMenu} path="/tasks" params=${{ status: 'to_do' }} />`}</div>
    <${Tabs} label=${t('myActions')} tabs=${tabs} current=${tab} />
    ${tab === 'mass' ? html`<${MassActions} me=${me} canEdit=${canEdit} />`
      : html`<${TaskList} key=${tab} canEdit=${canEdit} letters=${tab === 'letters'} />`}
  </div>`
}
