// Tonight's run without sending anything (POST /dunning/preview, B9): what would go, by
// step and channel, and to whom. Shared by the scenario editor and the mass actions.
import { useEffect, useState } from 'preact/hooks'
import { api } from '../../api.js'
import { addWords, day, money, number, t } from '../../i18n.js'
import { Failed, html, Section } from '../../ui.js'

const STEP_ORDER = ['N1', 'N2', 'N3', 'R1', 'R2', 'R3', 'R4', 'R5', 'T']
const SHOWN = 12

addWords({
  fr: {
    dry: {
      title: 'Simulation de la relance de ce soir', run: 'Relancer la simulation', as_of: 'Au {date} : rien n’est envoyé ni écrit.',
      actions: 'Actions', amount: 'Montant concerné', alerts: 'Alertes', byStep: 'Par étape', byChannel: 'Par canal',
      before: 'avant : {n}', customers: 'Clients concernés ({n})', nothing: 'Aucune action ne partirait ce soir.',
      more: '… et {n} autres', running: 'Simulation…',
    },
  },
  en: {
    dry: {
      title: 'Dry run of tonight’s reminders', run: 'Run the dry run again', as_of: 'As of {date}: nothing is sent nor written.',
      actions: 'Actions', amount: 'Amount concerned', alerts: 'Alerts', byStep: 'By step', byChannel: 'By channel',
      before: 'before: {n}', customers: 'Customers concerned ({n})', nothing: 'Nothing would go out tonight.',
      more: '… and {n} more', running: 'Running…',
    },
  },
})

/** The API's answer folded over companies. With `step`, only the customers who would get
 * that step, with everything their run would do (a run goes per customer, not per step). */
export function summarize(answer, step = '') {
  const byStep = {}
  const byChannel = {}
  const customers = []
  let actions = 0
  let amount = 0
  for (const company of answer.companies) {
    for (const row of company.preview || []) {
      if (!row.actions.length || (step && !row.actions.some((a) => a.step === step))) continue
      customers.push(row)
      for (const a of row.actions) {
        actions += 1
        amount += Number(a.amount) // for display only: the API keeps the decimals
        byStep[a.step] = (byStep[a.step] || 0) + 1
        byChannel[a.channel] = (byChannel[a.channel] || 0) + 1
      }
    }
  }
  return { as_of: answer.as_of, actions, amount, alerts: answer.alerts, byStep, byChannel, customers }
}

function Counts({ title, counts, previous, order, label, id }) {
  const keys = order.filter((k) => counts[k] || (previous && previous[k]))
  return html`<table class="list counts" aria-labelledby=${id}>
    <caption id=${id}>${title}</caption>
    <tbody>${keys.map((k) => html`<tr data-key=${k}><th scope="row">${label(k)}</th>
      <td class="num">${number(counts[k] || 0)}</td>
      <td class="muted">${previous && (previous[k] || 0) !== (counts[k] || 0) ? t('dry.before', { n: number(previous[k] || 0) }) : ''}</td></tr>`)}
    </tbody></table>`
}

export function PreviewResult({ result, previous }) {
  if (!result.actions) return html`<p class="empty" data-testid="dry-run-total" data-actions="0">${t('dry.nothing')}</p>`
  return html`<div class="stack">
    <dl class="figures">
      <div><dt>${t('dry.actions')}</dt><dd data-testid="dry-run-total" data-actions=${result.actions}>${number(result.actions)}</dd></div>
      <div><dt>${t('dry.amount')}</dt><dd>${money(result.amount)}</dd></div>
    </dl>
    <div class="grid-2">
      <${Counts} id="dry-steps" title=${t('dry.byStep')} counts=${result.byStep} previous=${previous && previous.byStep}
        order=${STEP_ORDER} label=${(k) => k} />
      <${Counts} id="dry-channels" title=${t('dry.byChannel')} counts=${result.byChannel} previous=${previous && previous.byChannel}
        order=${['email', 'letter', 'phone', 'other']} label=${(k) => t(`channels.${k}`)} />
    </div>
    <details><summary>${t('dry.customers', { n: number(result.customers.length) })}</summary>
      <ul class="records">${result.customers.slice(0, SHOWN).map((c) => html`<li>
        <a href=${`#/customers/${encodeURIComponent(c.company)}/${encodeURIComponent(c.customer)}`}>${c.company} · ${c.customer}</a>
        ${c.actions.map((a) => html`<span class="pill">${a.step}</span> ${t(`channels.${a.channel}`)} · ${money(a.amount)}`)}
      </li>`)}
      ${result.customers.length > SHOWN && html`<li class="muted">${t('dry.more', { n: result.customers.length - SHOWN })}</li>`}</ul>
    </details>
  </div>`
}

/** Runs the dry run when shown and again whenever `trigger` changes (a save). */
export function DryRun({ trigger }) {
  const [state, setState] = useState({ result: null, previous: null, error: null, busy: false })
  const run = async () => {
    setState((s) => ({ ...s, busy: true, error: null }))
    try {
      const result = summarize(await api('POST', '/dunning/preview', {}))
      setState((s) => ({ result, previous: s.result, error: null, busy: false }))
    } catch (error) {
      setState((s) => ({ ...s, error, busy: false }))
    }
  }
  useEffect(() => { run() }, [trigger])
  const { result, previous, error, busy } = state
  return html`<${Section} title=${t('dry.title')} id="dry-run-title"
      actions=${html`<button type="button" class="small" disabled=${busy} onClick=${run}>${t('dry.run')}</button>`}>
    <div data-testid="dry-run" aria-busy=${busy} aria-live="polite">
      ${error && html`<${Failed} error=${error} retry=${run} />`}
      ${busy && html`<p class="muted" role="status">${t('dry.running')}</p>`}
      ${result && html`<p class="muted">${t('dry.as_of', { date: day(result.as_of) })}</p><${PreviewResult} result=${result} previous=${previous} />`}
    </div>
  <//>`
}
