// Cash objectives per month (V6: the dashboard's forecast compares with them) and who
// receives the daily cash report (K1), for the admin; each saved at the version read.
import { get } from '../../api.js'
import { addWords, t } from '../../i18n.js'
import { Failed, html, Loading, Section, useLoad } from '../../ui.js'
import { SaveNote, useVersioned } from './company.js'

addWords({
  fr: {
    cash: {
      objectives: 'Objectifs d’encaissement', objectivesHint: 'Par mois, pour toute l’entreprise ou une société (montant en euros). Une semaine prend sa part du mois, au prorata des jours.',
      month: 'Mois', company: 'Société (vide : toutes)', amount: 'Objectif', add: 'Ajouter un mois', remove: 'Retirer',
      none: 'Aucun objectif.', save: 'Enregistrer', report: 'Rapport quotidien de trésorerie',
      reportHint: 'Chaque matin, après 7 h à leur heure, ces utilisateurs reçoivent les chiffres de leur périmètre.',
    },
  },
  en: {
    cash: {
      objectives: 'Cash objectives', objectivesHint: 'Per month, for the whole company or one company (amount in euros). A week takes its share of the month, by days.',
      month: 'Month', company: 'Company (empty: all)', amount: 'Objective', add: 'Add a month', remove: 'Remove',
      none: 'No objective.', save: 'Save', report: 'Daily cash report',
      reportHint: 'Every morning, after 7 am their time, these users get the figures of their scope.',
    },
  },
})

function Objectives() {
  const form = useVersioned('/settings/cash-objectives')
  if (form.loaded.error) return html`<${Failed} error=${form.loaded.error} retry=${form.loaded.reload} />`
  if (!form.value) return html`<${Loading} />`
  const rows = form.value.objectives
  const change = (i, field, value) => form.set({ objectives: rows.map((o, j) => (j === i ? { ...o, [field]: value } : o)) })
  const add = () => form.set({ objectives: [...rows, { month: new Date().toISOString().slice(0, 7), company: null, amount: '' }] })
  const remove = (i) => form.set({ objectives: rows.filter((_, j) => j !== i) })
  const problem = (i, field) => form.problems[`objectives.${i}.${field}`]
  return html`<form onSubmit=${form.save} aria-label=${t('cash.objectives')} novalidate>
    <${Section} title=${t('cash.objectives')} id="cash-objectives">
      <p class="muted">${t('cash.objectivesHint')}</p>
      ${rows.length === 0 ? html`<p class="muted">${t('cash.none')}</p>` : html`<div class="table-wrap"><table class="list" data-testid="cash-objectives">
        <thead><tr><th scope="col">${t('cash.month')}</th><th scope="col">${t('cash.company')}</th><th scope="col" class="num">${t('cash.amount')}</th><th></th></tr></thead>
        <tbody>${rows.map((o, i) => html`<tr>
          <td><input type="month" aria-label=${t('cash.month')} value=${o.month} aria-invalid=${problem(i, 'month') ? 'true' : undefined}
            onInput=${(e) => change(i, 'month', e.target.value)} />${problem(i, 'month') && html`<small class="problem">${problem(i, 'month')}</small>`}</td>
          <td><input aria-label=${t('cash.company')} value=${o.company || ''} onInput=${(e) => change(i, 'company', e.target.value || null)} /></td>
          <td class="num"><input inputmode="decimal" aria-label=${t('cash.amount')} value=${o.amount} aria-invalid=${problem(i, 'amount') ? 'true' : undefined}
            onInput=${(e) => change(i, 'amount', e.target.value.replace(/\s/g, '').replace(',', '.'))} />${problem(i, 'amount') && html`<small class="problem">${problem(i, 'amount')}</small>`}</td>
          <td><button type="button" class="small" onClick=${() => remove(i)}>${t('cash.remove')}</button></td>
        </tr>`)}</tbody></table></div>`}
      <${SaveNote} form=${form} />
      <div class="form-buttons"><button type="button" onClick=${add}>${t('cash.add')}</button>
        <button class="primary" type="submit" disabled=${form.busy}>${t('cash.save')}</button></div>
    <//>
  </form>`
}

function Recipients() {
  const form = useVersioned('/settings/daily-report')
  const users = useLoad(() => get('/users'), [])
  if (form.loaded.error || users.error) return html`<${Failed} error=${form.loaded.error || users.error} />`
  if (!form.value || !users.data) return html`<${Loading} />`
  const chosen = new Set(form.value.recipients)
  const toggle = (id, on) => form.set({ recipients: on ? [...chosen, id] : [...chosen].filter((r) => r !== id) })
  return html`<form onSubmit=${form.save} aria-label=${t('cash.report')} novalidate>
    <${Section} title=${t('cash.report')} id="cash-report">
      <p class="muted">${t('cash.reportHint')}</p>
      <fieldset><legend class="visually-hidden">${t('cash.report')}</legend>
        ${users.data.users.filter((u) => u.active).map((u) => html`<label class="check"><input type="checkbox" checked=${chosen.has(u.user_id)}
          onChange=${(e) => toggle(u.user_id, e.target.checked)} /> ${u.display_name} <span class="sub">${u.email}</span></label>`)}
      </fieldset>
      <${SaveNote} form=${form} />
      <div class="form-buttons"><button class="primary" type="submit" disabled=${form.busy}>${t('cash.save')}</button></div>
    <//>
  </form>`
}

export function Cash() {
  return html`<div class="stack"><${Objectives} /><${Recipients} /></div>`
}
