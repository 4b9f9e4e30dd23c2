// Display preferences (V9), every user's own: language, time zone, date format, currency.
import { useState } from 'preact/hooks'
import { api, get } from '../api.js'
import { addWords, applySettings, day, errorText, money, moment, t } from '../i18n.js'
import { Failed, html, Loading, Notice, problemsOf, useLoad, useTitle } from '../ui.js'

addWords({
  fr: {
    pref: {
      title: 'Préférences d’affichage', language: 'Langue', time_zone: 'Fuseau horaire', date_format: 'Format des dates',
      currency_display: 'Affichage des montants', formats: { short: 'court', medium: 'moyen', long: 'long' },
      currencies: { symbol: 'symbole (€)', code: 'code (EUR)' }, example: 'Exemple', save: 'Enregistrer', saved: 'Préférences enregistrées.',
      stale: 'Vos préférences ont changé ailleurs : rechargez la page.',
    },
  },
  en: {
    pref: {
      title: 'Display preferences', language: 'Language', time_zone: 'Time zone', date_format: 'Date format',
      currency_display: 'Amounts shown with', formats: { short: 'short', medium: 'medium', long: 'long' },
      currencies: { symbol: 'symbol (€)', code: 'code (EUR)' }, example: 'Example', save: 'Save', saved: 'Preferences saved.',
      stale: 'Your preferences changed elsewhere: reload the page.',
    },
  },
})

const ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['Europe/Paris', 'UTC']

export function Preferences({ onChanged }) {
  const loaded = useLoad(() => get('/me/settings'), [])
  const [draft, setDraft] = useState(null)
  const [note, setNote] = useState(null)
  useTitle(t('pref.title'))
  if (loaded.error) return html`<${Failed} error=${loaded.error} retry=${loaded.reload} />`
  if (!loaded.data) return html`<${Loading} />`
  const value = draft || loaded.data
  const set = (changes) => { setDraft({ ...value, ...changes }); setNote(null) }
  const save = async (event) => {
    event.preventDefault()
    try {
      const saved = await api('PUT', '/me/settings', value)
      setDraft(saved)
      applySettings(saved)
      setNote({ kind: 'success', text: t('pref.saved') })
      onChanged()
    } catch (err) {
      const problems = Object.values(problemsOf(err))
      setNote({ kind: 'error', text: err.status === 409 ? t('pref.stale') : [errorText(err), ...problems].join(' · ') })
    }
  }
  const choice = (name, options) => html`<div class="field"><label for=${`pref-${name}`}>${t(`pref.${name}`)}</label>
    <select id=${`pref-${name}`} value=${value[name]} onChange=${(e) => set({ [name]: e.target.value })}>
      ${options.map(([v, text]) => html`<option value=${v}>${text}</option>`)}</select></div>`
  return html`<div class="page">
    <div class="page-head"><h1>${t('pref.title')}</h1></div>
    <form class="card stack narrow" onSubmit=${save}>
      ${choice('language', [['fr', 'Français'], ['en', 'English']])}
      ${choice('time_zone', (ZONES.includes(value.time_zone) ? ZONES : [value.time_zone, ...ZONES]).map((z) => [z, z]))}
      ${choice('date_format', ['short', 'medium', 'long'].map((f) => [f, t(`pref.formats.${f}`)]))}
      ${choice('currency_display', ['symbol', 'code'].map((c) => [c, t(`pref.currencies.${c}`)]))}
      <p class="muted" data-testid="pref-example">${t('pref.example')} : ${day('2026-03-31')} · ${moment(new Date().toISOString())} · ${money('1234.5')}</p>
      ${note && html`<${Notice} kind=${note.kind}>${note.text}<//>`}
      <div class="form-buttons"><button class="primary" type="submit">${t('pref.save')}</button></div>
    </form>
  </div>`
}
