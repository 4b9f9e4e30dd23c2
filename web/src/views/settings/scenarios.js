// Profiles and scenarios (C2, C3): a visual step list N1..N3, R1..R5, T with days and
// channels, saved at the version read; then tonight's dry run (B9) to see what it changes.
import { useState } from 'preact/hooks'
import { api, get } from '../../api.js'
import { addWords, errorText, t } from '../../i18n.js'
import { Failed, html, Loading, Notice, problemsOf, Section, useLoad } from '../../ui.js'
import { DryRun } from './dryrun.js'

const CHANNELS = ['email', 'letter', 'phone', 'other']
const LIMITS = { notice: 3, reminder: 5, thanks: 1 }
const PHASE_ORDER = { notice: 0, reminder: 1, thanks: 2 }

addWords({
  fr: {
    sc: {
      title: 'Scénarios et profils', scenario: 'Scénario', name: 'Nom', steps: 'Étapes',
      phase: { notice: 'Prévenance', reminder: 'Relance', thanks: 'Remerciement' },
      daysBefore: 'Jours avant l’échéance', daysAfter: 'Jours après', after: 'Compter depuis',
      anchor: { due_date: 'l’échéance', previous_step: 'la relance précédente' },
      channel: 'Canal', fallback: 'Canal de secours', none: 'aucun (tâche manuelle)', mode: 'Mode',
      modes: { auto: 'automatique', manual: 'manuel (à valider)' }, template: 'Modèle',
      penalties: 'Réclame pénalités et indemnité', formal: 'Mise en demeure', remove: 'Retirer {step}',
      add: { notice: '+ Prévenance', reminder: '+ Relance', thanks: '+ Remerciement' },
      minItem: 'Montant minimum par facture (€)', minCustomer: 'Montant minimum par client (€)',
      gap: 'Jours minimum entre deux relances', accountMode: 'Une relance par client (mode compte)',
      profiles: 'Profils', profileScenario: 'Scénario suivi', isDefault: 'Profil par défaut', rules: '{n} règle(s)',
      save: 'Enregistrer le paramétrage', saved: 'Paramétrage enregistré (version {v}).',
      stale: 'Quelqu’un d’autre a modifié ce paramétrage depuis votre lecture. Rechargez pour voir sa version, puis refaites vos changements.',
      reload: 'Recharger', unsaved: 'Modifications non enregistrées.',
    },
  },
  en: {
    sc: {
      title: 'Scenarios and profiles', scenario: 'Scenario', name: 'Name', steps: 'Steps',
      phase: { notice: 'Pre-due notice', reminder: 'Reminder', thanks: 'Thank-you' },
      daysBefore: 'Days before the due date', daysAfter: 'Days after', after: 'Counted from',
      anchor: { due_date: 'the due date', previous_step: 'the previous reminder' },
      channel: 'Channel', fallback: 'Fallback channel', none: 'none (manual task)', mode: 'Mode',
      modes: { auto: 'automatic', manual: 'manual (to approve)' }, template: 'Template',
      penalties: 'Claims penalties and the indemnity', formal: 'Formal notice', remove: 'Remove {step}',
      add: { notice: '+ Notice', reminder: '+ Reminder', thanks: '+ Thank-you' },
      minItem: 'Minimum amount per invoice (€)', minCustomer: 'Minimum amount per customer (€)',
      gap: 'Minimum days between two reminders', accountMode: 'One reminder per customer (account mode)',
      profiles: 'Profiles', profileScenario: 'Scenario followed', isDefault: 'Default profile', rules: '{n} rule(s)',
      save: 'Save the settings', saved: 'Settings saved (version {v}).',
      stale: 'Someone else changed these settings since you read them. Reload to see their version, then make your changes again.',
      reload: 'Reload', unsaved: 'Unsaved changes.',
    },
  },
})

/** N1.., R1.., T: the fixed id of each step, as the API numbers them. */
export function stepIds(steps) {
  const seen = { notice: 0, reminder: 0 }
  return steps.map((s) => (s.phase === 'thanks' ? 'T' : `${s.phase === 'notice' ? 'N' : 'R'}${++seen[s.phase]}`))
}

function Select({ label, value, options, onChange, id }) {
  return html`<div class="field"><label for=${id}>${label}</label>
    <select id=${id} value=${value} onChange=${(e) => onChange(e.target.value)}>
      ${options.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
    </select></div>`
}

function StepEditor({ step, id, onChange, onRemove, templates }) {
  const set = (changes) => onChange({ ...step, ...changes })
  const key = `step-${id}`
  const names = [...new Set([step.template, ...templates])]
  return html`<fieldset class="step card">
    <legend><span class="pill step-id">${id}</span> ${t(`sc.phase.${step.phase}`)}</legend>
    <div class="step-fields">
      ${step.phase !== 'thanks' && html`<div class="field"><label for=${`${key}-days`}>
          ${step.phase === 'notice' ? t('sc.daysBefore') : t('sc.daysAfter')}</label>
        <input id=${`${key}-days`} type="number" min=${step.phase === 'reminder' ? 1 : 0} max="3650" required value=${step.days}
          onInput=${(e) => set({ days: e.target.value === '' ? '' : Number(e.target.value) })} /></div>`}
      ${step.phase === 'reminder' && id !== 'R1' && html`<${Select} id=${`${key}-after`} label=${t('sc.after')} value=${step.after}
        options=${['due_date', 'previous_step'].map((a) => [a, t(`sc.anchor.${a}`)])} onChange=${(after) => set({ after })} />`}
      <${Select} id=${`${key}-channel`} label=${t('sc.channel')} value=${step.channel}
        options=${CHANNELS.map((c) => [c, t(`channels.${c}`)])}
        onChange=${(channel) => set({ channel, fallback_channel: step.fallback_channel === channel ? null : step.fallback_channel })} />
      <${Select} id=${`${key}-fallback`} label=${t('sc.fallback')} value=${step.fallback_channel || ''}
        options=${[['', t('sc.none')], ...CHANNELS.filter((c) => c !== step.channel).map((c) => [c, t(`channels.${c}`)])]}
        onChange=${(v) => set({ fallback_channel: v || null })} />
      <${Select} id=${`${key}-mode`} label=${t('sc.mode')} value=${step.mode}
        options=${['auto', 'manual'].map((m) => [m, t(`sc.modes.${m}`)])} onChange=${(mode) => set({ mode })} />
      <${Select} id=${`${key}-template`} label=${t('sc.template')} value=${step.template}
        options=${names.map((n) => [n, n])} onChange=${(template) => set({ template })} />
    </div>
    ${step.phase === 'reminder' && html`<div class="checks">
      <label class="check"><input type="checkbox" checked=${step.claim_penalties}
        onChange=${(e) => set({ claim_penalties: e.target.checked })} /> ${t('sc.penalties')}</label>
      <label class="check"><input type="checkbox" checked=${step.formal_notice}
        onChange=${(e) => set({ formal_notice: e.target.checked })} /> ${t('sc.formal')}</label>
    </div>`}
    <button type="button" class="small" onClick=${onRemove}>${t('sc.remove', { step: id })}</button>
  </fieldset>`
}

function newStep(phase, steps) {
  const last = [...steps].reverse().find((s) => s.phase === phase)
  const days = phase === 'thanks' ? 0 : phase === 'notice' ? Math.max(0, (last ? last.days : 8) - 3) : (last ? last.days + 15 : 5)
  return {
    phase, days, after: 'due_date', channel: 'email', fallback_channel: null, contact_role: 'main', mode: 'auto',
    template: phase === 'thanks' ? 'remerciement' : phase === 'notice' ? 'prevenance' : 'relance_1', repeat: false,
    repeat_every_days: 7, claim_penalties: false, formal_notice: false,
  }
}

function ScenarioEditor({ scenario, onChange, templates }) {
  const steps = scenario.steps
  const ids = stepIds(steps)
  const set = (changes) => onChange({ ...scenario, ...changes })
  const setStep = (i, step) => set({ steps: steps.map((s, j) => (j === i ? step : s)) })
  const add = (phase) => {
    const next = [...steps, newStep(phase, steps)]
    set({ steps: next.sort((a, b) => PHASE_ORDER[a.phase] - PHASE_ORDER[b.phase]) })
  }
  const count = (phase) => steps.filter((s) => s.phase === phase).length
  return html`<div class="stack">
    <div class="field-row">
      <div class="field"><label for="sc-name">${t('sc.name')}</label>
        <input id="sc-name" value=${scenario.name} maxlength="80" onInput=${(e) => set({ name: e.target.value })} /></div>
      <div class="field"><label for="sc-min-item">${t('sc.minItem')}</label>
        <input id="sc-min-item" inputmode="decimal" value=${scenario.min_item_amount} onInput=${(e) => set({ min_item_amount: e.target.value.replace(',', '.') })} /></div>
      <div class="field"><label for="sc-min-customer">${t('sc.minCustomer')}</label>
        <input id="sc-min-customer" inputmode="decimal" value=${scenario.min_customer_amount} onInput=${(e) => set({ min_customer_amount: e.target.value.replace(',', '.') })} /></div>
      <div class="field"><label for="sc-gap">${t('sc.gap')}</label>
        <input id="sc-gap" type="number" min="1" max="365" value=${scenario.min_days_between_reminders}
          onInput=${(e) => set({ min_days_between_reminders: Number(e.target.value) })} /></div>
    </div>
    <label class="check"><input type="checkbox" checked=${scenario.account_mode} onChange=${(e) => set({ account_mode: e.target.checked })} /> ${t('sc.accountMode')}</label>
    <ol class="steps" aria-label=${t('sc.steps')}>
      ${steps.map((step, i) => html`<li key=${`${ids[i]}-${i}`}><${StepEditor} step=${step} id=${ids[i]} templates=${templates}
        onChange=${(s) => setStep(i, s)} onRemove=${() => set({ steps: steps.filter((_, j) => j !== i) })} /></li>`)}
    </ol>
    <div class="action-row">
      ${Object.entries(LIMITS).map(([phase, max]) => html`<button type="button" disabled=${count(phase) >= max}
        onClick=${() => add(phase)}>${t(`sc.add.${phase}`)}</button>`)}
    </div>
  </div>`
}

function Profiles({ settings, onChange }) {
  const set = (i, changes) => onChange({ ...settings, profiles: settings.profiles.map((p, j) => (j === i ? { ...p, ...changes } : p)) })
  return html`<div class="table-wrap"><table class="list">
    <thead><tr><th scope="col">${t('sc.name')}</th><th scope="col">${t('sc.profileScenario')}</th><th scope="col">${t('sc.isDefault')}</th></tr></thead>
    <tbody>${settings.profiles.map((p, i) => html`<tr>
      <td>${p.name} <span class="sub">${t('sc.rules', { n: p.rules.length })}</span></td>
      <td><select aria-label=${`${t('sc.profileScenario')} · ${p.name}`} value=${p.scenario_id} onChange=${(e) => set(i, { scenario_id: e.target.value })}>
        ${settings.scenarios.map((s) => html`<option value=${s.scenario_id}>${s.name}</option>`)}</select></td>
      <td><input type="radio" name="default-profile" aria-label=${`${t('sc.isDefault')} · ${p.name}`} checked=${settings.default_profile === p.profile_id}
        onChange=${() => onChange({ ...settings, default_profile: p.profile_id })} /></td>
    </tr>`)}</tbody>
  </table></div>`
}

export function Scenarios() {
  const loaded = useLoad(() => Promise.all([get('/settings/dunning'), get('/templates').catch(() => ({ templates: [] }))]), [])
  const [draft, setDraft] = useState(null)
  const [chosen, setChosen] = useState(0)
  const [note, setNote] = useState(null)
  const [busy, setBusy] = useState(false)
  const [savedAt, setSavedAt] = useState(0)
  const [dirty, setDirty] = useState(false)
  if (loaded.error) return html`<${Failed} error=${loaded.error} retry=${loaded.reload} />`
  if (!loaded.data) return html`<${Loading} />`
  const [stored, templateList] = loaded.data
  const settings = draft || stored
  const templates = [...new Set(templateList.templates.map((x) => x.template_id))].sort()
  const scenario = settings.scenarios[Math.min(chosen, settings.scenarios.length - 1)]
  const edit = (next) => { setDraft(next); setDirty(true); setNote(null) }
  const setScenario = (s) => edit({ ...settings, scenarios: settings.scenarios.map((x) => (x === scenario ? s : x)) })
  const reload = () => { setDraft(null); setDirty(false); setNote(null); loaded.reload() }
  const save = async (event) => {
    event.preventDefault()
    setBusy(true)
    setNote(null)
    try {
      const saved = await api('PUT', '/settings/dunning', settings)
      setDraft(saved)
      setDirty(false)
      setNote({ kind: 'success', text: t('sc.saved', { v: saved.version }) })
      setSavedAt(Date.now())
    } catch (err) {
      if (err.status === 409) setNote({ kind: 'error', text: t('sc.stale'), stale: true })
      else {
        const problems = Object.entries(problemsOf(err)).map(([where, why]) => `${where ? `${where}: ` : ''}${why}`)
        setNote({ kind: 'error', text: [errorText(err), ...problems].join(' · ') })
      }
    } finally {
      setBusy(false)
    }
  }
  return html`<form class="stack" onSubmit=${save} aria-labelledby="scenarios-title">
    <h2 id="scenarios-title" class="visually-hidden">${t('sc.title')}</h2>
    ${settings.scenarios.length > 1 && html`<div class="field"><label for="sc-choice">${t('sc.scenario')}</label>
      <select id="sc-choice" value=${chosen} onChange=${(e) => setChosen(Number(e.target.value))}>
        ${settings.scenarios.map((s, i) => html`<option value=${i}>${s.name}</option>`)}</select></div>`}
    <${Section} title=${`${t('sc.scenario')} · ${scenario.name}`} id="scenario-title">
      <${ScenarioEditor} scenario=${scenario} onChange=${setScenario} templates=${templates} />
    <//>
    ${note && html`<${Notice} kind=${note.kind}>${note.text}
      ${note.stale && html` <button type="button" class="small" onClick=${reload}>${t('sc.reload')}</button>`}<//>`}
    <div class="save-row">
      ${dirty && html`<span class="muted">${t('sc.unsaved')}</span>`}
      <button class="primary" type="submit" disabled=${busy}>${t('sc.save')}</button>
    </div>
    <${DryRun} trigger=${savedAt} />
    <${Section} title=${t('sc.profiles')} id="profiles-title"><${Profiles} settings=${settings} onChange=${edit} /><//>
  </form>`
}
