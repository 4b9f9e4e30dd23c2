// Mass actions (C5): choose customers by scenario step or by criteria, see what tonight's
// run would do for them (the dry run), then run it now after a confirmation.
import { useState } from 'preact/hooks'
import { api, get } from '../api.js'
import { addWords, errorText, money, number, t } from '../i18n.js'
import { Failed, html, Notice, Section, useLoad } from '../ui.js'
import { PreviewResult, summarize } from './settings/dryrun.js'

const STEPS = ['N1', 'N2', 'N3', 'R1', 'R2', 'R3', 'R4', 'R5', 'T']

addWords({
  fr: {
    mass: {
      criteria: 'Sélection', step: 'Étape du scénario', anyStep: 'Toutes les étapes', company: 'Société', all: 'Toutes',
      minDays: 'Retard minimum (jours)', minTotal: 'Encours minimum (€)', preview: 'Prévisualiser',
      previewTitle: 'Ce qui partirait', run: 'Lancer maintenant…', confirmTitle: 'Confirmer l’envoi',
      confirm: '{actions} action(s) pour {customers} client(s) vont partir maintenant (e-mails et courriers envoyés, tâches créées). Les autres étapes dues aujourd’hui pour ces clients partent aussi.',
      yes: 'Oui, lancer', no: 'Annuler', done: '{actions} action(s) lancée(s) pour {amount} : {queued} en cours d’envoi, {manual} tâche(s) créée(s).',
      nothing: 'Rien n’est parti : la situation a changé depuis la prévisualisation.', readOnly: 'Lecture seule : prévisualisation seulement.',
    },
  },
  en: {
    mass: {
      criteria: 'Selection', step: 'Scenario step', anyStep: 'Every step', company: 'Company', all: 'All',
      minDays: 'Minimum days late', minTotal: 'Minimum outstanding (€)', preview: 'Preview',
      previewTitle: 'What would go', run: 'Run now…', confirmTitle: 'Confirm',
      confirm: '{actions} action(s) for {customers} customer(s) will go now (emails and letters sent, tasks created). Other steps due today for these customers go too.',
      yes: 'Yes, run', no: 'Cancel', done: '{actions} action(s) run for {amount}: {queued} being sent, {manual} task(s) created.',
      nothing: 'Nothing went: things changed since the preview.', readOnly: 'Read-only: preview only.',
    },
  },
})

/** The API's criteria from the form: empty fields are left out. The step is a criterion
 * of the API: the run covers exactly the customers the preview showed, unless things moved. */
function criteriaOf(form) {
  const body = {}
  if (form.step) body.step = form.step
  if (form.company) body.company = form.company
  if (form.min_days_late !== '') body.min_days_late = Number(form.min_days_late)
  if (form.min_total !== '') body.min_total = form.min_total.replace(',', '.')
  return body
}

/** One run for the whole selection, folded like the preview. */
async function runFor(criteria) {
  const answer = await api('POST', '/dunning/runs', criteria)
  const total = (pick) => answer.companies.reduce((s, c) => s + pick(c), 0)
  return { actions: answer.actions, amount: Number(answer.amount), queued: total((c) => c.queued), manual: total((c) => c.manual) }
}

export function MassActions({ canEdit }) {
  const companies = useLoad(() => get('/controls/aged-balance').then((a) => [...new Set(a.controls.map((c) => c.company))].sort()), [])
  const [form, setForm] = useState({ step: '', company: '', min_days_late: '', min_total: '' })
  const [state, setState] = useState({ result: null, error: null, busy: false, confirming: false, done: null })
  const set = (changes) => { setForm({ ...form, ...changes }); setState((s) => ({ ...s, confirming: false })) }
  const preview = async (event) => {
    if (event) event.preventDefault()
    setState({ result: null, error: null, busy: true, confirming: false, done: null })
    try {
      const answer = await api('POST', '/dunning/preview', criteriaOf(form))
      setState({ result: summarize(answer), error: null, busy: false, confirming: false, done: null })
    } catch (error) {
      setState({ result: null, error, busy: false, confirming: false, done: null })
    }
  }
  const run = async () => {
    setState((s) => ({ ...s, busy: true }))
    try {
      const done = await runFor(criteriaOf(form))
      setState({ result: null, error: null, busy: false, confirming: false, done })
    } catch (error) {
      setState((s) => ({ ...s, error, busy: false, confirming: false }))
    }
  }
  const { result, error, busy, confirming, done } = state
  return html`<div class="stack">
    <form class="card filters mass" onSubmit=${preview} aria-label=${t('mass.criteria')}>
      <label>${t('mass.step')}<select value=${form.step} onChange=${(e) => set({ step: e.target.value })}>
        <option value="">${t('mass.anyStep')}</option>${STEPS.map((s) => html`<option value=${s}>${s}</option>`)}</select></label>
      <label>${t('mass.company')}<select value=${form.company} onChange=${(e) => set({ company: e.target.value })}>
        <option value="">${t('mass.all')}</option>${(companies.data || []).map((c) => html`<option value=${c}>${c}</option>`)}</select></label>
      <label>${t('mass.minDays')}<input type="number" min="0" value=${form.min_days_late} onInput=${(e) => set({ min_days_late: e.target.value })} /></label>
      <label>${t('mass.minTotal')}<input inputmode="decimal" value=${form.min_total} onInput=${(e) => set({ min_total: e.target.value })} /></label>
      <button class="primary" type="submit" disabled=${busy}>${t('mass.preview')}</button>
    </form>
    ${error && html`<${Failed} error=${error} />`}
    ${done && html`<${Notice} kind=${done.actions ? 'success' : 'info'}>${done.actions
      ? t('mass.done', { actions: number(done.actions), amount: money(done.amount), queued: number(done.queued), manual: number(done.manual) })
      : t('mass.nothing')}<//>`}
    ${result && html`<${Section} title=${t('mass.previewTitle')} id="mass-preview-title">
      <div data-testid="dry-run"><${PreviewResult} result=${result} /></div>
      ${!canEdit && html`<p class="muted">${t('mass.readOnly')}</p>`}
      ${canEdit && result.actions > 0 && !confirming && html`<div class="form-buttons">
        <button type="button" class="primary" onClick=${() => setState((s) => ({ ...s, confirming: true }))}>${t('mass.run')}</button></div>`}
      ${confirming && html`<div class="confirm" role="alertdialog" aria-labelledby="mass-confirm-title" aria-describedby="mass-confirm-text">
        <h3 id="mass-confirm-title">${t('mass.confirmTitle')}</h3>
        <p id="mass-confirm-text">${t('mass.confirm', { actions: number(result.actions), customers: number(result.customers.length) })}</p>
        <div class="form-buttons">
          <button type="button" class="primary" disabled=${busy} onClick=${run}>${t('mass.yes')}</button>
          <button type="button" onClick=${() => setState((s) => ({ ...s, confirming: false }))}>${t('mass.no')}</button>
        </div></div>`}
    <//>`}
  </div>`
}
