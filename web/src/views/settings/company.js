// Company details printed on letters and emails (GET/PUT /settings/company), the penalty
// rates (B1) and when the nightly run goes: each a form saved at the version it read, the
// API's reasons shown beside the fields they are about.
import { useState } from 'preact/hooks'
import { api, get } from '../../api.js'
import { addWords, errorText, t } from '../../i18n.js'
import { Failed, Field, html, Loading, Notice, problemsOf, Section, useLoad } from '../../ui.js'

addWords({
  fr: {
    co: {
      title: 'Votre société', legal_name: 'Raison sociale', legal_form: 'Forme juridique', share_capital: 'Capital social',
      rcs: 'RCS', address: 'Adresse', address_complement: 'Complément d’adresse', postal_code: 'Code postal', city: 'Ville',
      country: 'Pays', siret: 'SIRET', vat_number: 'N° de TVA', phone: 'Téléphone', email: 'E-mail', website: 'Site web',
      iban: 'IBAN', bic: 'BIC', bank_name: 'Banque', save: 'Enregistrer', saved: 'Enregistré (version {v}).',
      stale: 'Quelqu’un d’autre a modifié ces informations depuis votre lecture : rechargez puis recommencez.',
      invalid: 'Certains champs sont à corriger.', reload: 'Recharger', identity: 'Identité', bank: 'Coordonnées bancaires',
      contact: 'Contact',
    },
    rates: {
      title: 'Pénalités de retard', ecb: 'Taux BCE (%)', legal: 'Taux légal (%)', semester: 'Semestre',
      margin_points: 'Points ajoutés au taux BCE', floor_multiple: 'Plancher : multiple du taux légal',
      hint: 'Pénalités = taux BCE du semestre + points (au moins le multiple du taux légal), plus l’indemnité forfaitaire de 40 €. Les montants minimums se règlent par scénario.',
      run: 'Relance automatique', hour: 'Heure du passage (0-23)', time_zone: 'Fuseau horaire', enabled: 'Relance automatique active',
    },
  },
  en: {
    co: {
      title: 'Your company', legal_name: 'Legal name', legal_form: 'Legal form', share_capital: 'Share capital',
      rcs: 'Trade register (RCS)', address: 'Address', address_complement: 'Address (continued)', postal_code: 'Postal code',
      city: 'City', country: 'Country', siret: 'SIRET', vat_number: 'VAT number', phone: 'Phone', email: 'E-mail',
      website: 'Website', iban: 'IBAN', bic: 'BIC', bank_name: 'Bank', save: 'Save', saved: 'Saved (version {v}).',
      stale: 'Someone else changed these details since you read them: reload and try again.',
      invalid: 'Some fields need correcting.', reload: 'Reload', identity: 'Identity', bank: 'Bank details', contact: 'Contact',
    },
    rates: {
      title: 'Late-payment penalties', ecb: 'ECB rate (%)', legal: 'Legal rate (%)', semester: 'Half-year',
      margin_points: 'Points added to the ECB rate', floor_multiple: 'Floor: multiple of the legal rate',
      hint: 'Penalties = the half-year’s ECB rate + points (at least the multiple of the legal rate), plus the 40 € fixed indemnity. Minimum amounts are set per scenario.',
      run: 'Automatic run', hour: 'Hour of the run (0-23)', time_zone: 'Time zone', enabled: 'Automatic run on',
    },
  },
})

const GROUPS = [
  ['identity', ['legal_name', 'legal_form', 'share_capital', 'rcs', 'siret', 'vat_number']],
  ['contact', ['address', 'address_complement', 'postal_code', 'city', 'country', 'phone', 'email', 'website']],
  ['bank', ['iban', 'bic', 'bank_name']],
]

/** One versioned document: load, edit, save; 409 says reload, 422 marks the fields. */
export function useVersioned(path) {
  const loaded = useLoad(() => get(path), [path])
  const [draft, setDraft] = useState(null)
  const [note, setNote] = useState(null)
  const [problems, setProblems] = useState({})
  const [busy, setBusy] = useState(false)
  const value = draft || loaded.data
  const set = (changes) => { setDraft({ ...value, ...changes }); setNote(null) }
  const reload = () => { setDraft(null); setNote(null); setProblems({}); loaded.reload() }
  const save = async (event, body = value) => {
    if (event) event.preventDefault()
    setBusy(true)
    try {
      const saved = await api('PUT', path, body)
      setDraft(saved)
      setProblems({})
      setNote({ kind: 'success', text: t('co.saved', { v: saved.version }) })
      return saved
    } catch (err) {
      const found = problemsOf(err)
      setProblems(found)
      if (err.status === 409) setNote({ kind: 'error', text: t('co.stale'), stale: true })
      else setNote({ kind: 'error', text: Object.keys(found).length ? `${errorText(err)} ${t('co.invalid')}` : errorText(err) })
      return null
    } finally {
      setBusy(false)
    }
  }
  return { loaded, value, set, save, note, problems, busy, reload }
}

export function SaveNote({ form }) {
  if (!form.note) return null
  return html`<${Notice} kind=${form.note.kind}>${form.note.text}
    ${form.note.stale && html` <button type="button" class="small" onClick=${form.reload}>${t('co.reload')}</button>`}<//>`
}

export function Company() {
  const form = useVersioned('/settings/company')
  if (form.loaded.error) return html`<${Failed} error=${form.loaded.error} retry=${form.loaded.reload} />`
  if (!form.value) return html`<${Loading} />`
  const input = (name) => (attrs) => html`<input ...${attrs} value=${form.value[name]} onInput=${(e) => form.set({ [name]: e.target.value })} />`
  return html`<form class="stack" onSubmit=${form.save} aria-label=${t('co.title')} novalidate>
    ${GROUPS.map(([group, names]) => html`<${Section} title=${t(`co.${group}`)} id=${`co-${group}`}>
      <div class="form-grid">${names.map((name) => html`<${Field} label=${t(`co.${name}`)} name=${name} problems=${form.problems} render=${input(name)} />`)}</div>
    <//>`)}
    <${SaveNote} form=${form} />
    <div class="save-row"><button class="primary" type="submit" disabled=${form.busy}>${t('co.save')}</button></div>
  </form>`
}

function RateTable({ form }) {
  const semesters = [...new Set([...Object.keys(form.value.ecb), ...Object.keys(form.value.legal)])].sort().reverse()
  const setRate = (table, semester, value) => form.set({ [table]: { ...form.value[table], [semester]: value.replace(',', '.') } })
  return html`<div class="table-wrap"><table class="list rates">
    <thead><tr><th scope="col">${t('rates.semester')}</th><th scope="col" class="num">${t('rates.ecb')}</th><th scope="col" class="num">${t('rates.legal')}</th></tr></thead>
    <tbody>${semesters.map((s) => html`<tr><th scope="row">${s}</th>
      ${['ecb', 'legal'].map((table) => html`<td class="num"><input class="rate" inputmode="decimal" aria-label=${`${t(`rates.${table}`)} ${s}`}
        aria-invalid=${form.problems[`${table}.${s}`] ? 'true' : undefined}
        value=${form.value[table][s] || ''} onInput=${(e) => setRate(table, s, e.target.value)} />
        ${form.problems[`${table}.${s}`] && html`<small class="problem">${form.problems[`${table}.${s}`]}</small>`}</td>`)}
    </tr>`)}</tbody></table></div>`
}

export function Rates() {
  const rates = useVersioned('/settings/penalty-rates')
  const run = useVersioned('/settings/dunning-run')
  if (rates.loaded.error || run.loaded.error) return html`<${Failed} error=${rates.loaded.error || run.loaded.error} />`
  if (!rates.value || !run.value) return html`<${Loading} />`
  const rateInput = (name) => (attrs) => html`<input ...${attrs} inputmode="decimal" value=${rates.value[name]}
    onInput=${(e) => rates.set({ [name]: e.target.value.replace(',', '.') })} />`
  return html`<div class="stack">
    <form onSubmit=${rates.save} aria-label=${t('rates.title')} novalidate>
      <${Section} title=${t('rates.title')} id="rates-title">
        <p class="muted">${t('rates.hint')}</p>
        <div class="form-grid">
          <${Field} label=${t('rates.margin_points')} name="margin_points" problems=${rates.problems} render=${rateInput('margin_points')} />
          <${Field} label=${t('rates.floor_multiple')} name="floor_multiple" problems=${rates.problems} render=${rateInput('floor_multiple')} />
        </div>
        <${RateTable} form=${rates} />
        <${SaveNote} form=${rates} />
        <div class="form-buttons"><button class="primary" type="submit" disabled=${rates.busy}>${t('co.save')}</button></div>
      <//>
    </form>
    <form onSubmit=${run.save} aria-label=${t('rates.run')} novalidate>
      <${Section} title=${t('rates.run')} id="run-title">
        <div class="form-grid">
          <${Field} label=${t('rates.hour')} name="hour" problems=${run.problems} render=${(a) => html`<input ...${a} type="number" min="0" max="23"
            value=${run.value.hour} onInput=${(e) => run.set({ hour: Number(e.target.value) })} />`} />
          <${Field} label=${t('rates.time_zone')} name="time_zone" problems=${run.problems} render=${(a) => html`<input ...${a}
            value=${run.value.time_zone} onInput=${(e) => run.set({ time_zone: e.target.value })} />`} />
        </div>
        <label class="check"><input type="checkbox" checked=${run.value.enabled} onChange=${(e) => run.set({ enabled: e.target.checked })} /> ${t('rates.enabled')}</label>
        <${SaveNote} form=${run} />
        <div class="form-buttons"><button class="primary" type="submit" disabled=${run.busy}>${t('co.save')}</button></div>
      <//>
    </form>
  </div>`
}
