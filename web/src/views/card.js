// Customer card (V3): everything needed to chase one customer, and the actions to do it.
import { useState } from 'preact/hooks'
import { api, create, get } from '../api.js'
import { day, errorText, money, moment, number as count, settings, t } from '../i18n.js'
import { Failed, Flags, html, lateClass, Loading, Notice, Section, useLoad, useTitle } from '../ui.js'
import { DocumentLink } from './document.js'

const BUCKETS = ['not_due', 'd1_30', 'd31_60', 'd61_90', 'over_90']
const STEPS = ['R1', 'R2', 'R3', 'R4', 'R5']
// Sage's entries carry a day, not a moment: no time zone applies to them.
const DAY_EVENTS = new Set(['invoice', 'payment'])

const itemLabel = (item) => item.invoice_number || item.piece || `#${item.entry_number}`

function who(actor, me) {
  if (!actor || actor === 'relance') return t('system')
  return actor === me.user_id ? t('you') : ''
}

/** A disclosure holding one action's form; closes and reports when the form succeeds. */
function ActionForm({ title, onSubmit, children, done, primary = false }) {
  const [open, setOpen] = useState(false)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const submit = async (event) => {
    event.preventDefault()
    setBusy(true)
    setError('')
    try {
      await onSubmit(new FormData(event.target))
      event.target.reset()
      setOpen(false)
      done()
    } catch (err) {
      setError(errorText(err) + (err.fields && err.fields.length ? ` (${err.fields.join(', ')})` : ''))
    } finally {
      setBusy(false)
    }
  }
  return html`<details class=${`action ${primary ? 'primary' : ''}`} open=${open}
      onToggle=${(e) => setOpen(e.target.open)}>
    <summary>${title}</summary>
    <form onSubmit=${submit}>
      ${error && html`<${Notice} kind="error">${error}<//>`}
      ${children}
      <div class="form-buttons">
        <button class="primary" type="submit" disabled=${busy}>${t('save')}</button>
        <button type="button" onClick=${() => setOpen(false)}>${t('cancel')}</button>
      </div>
    </form>
  </details>`
}

function Field({ label, children }) {
  return html`<label class="field"><span>${label}</span>${children}</label>`
}

function InvoicePicker({ items }) {
  return html`<fieldset class="picker"><legend>${t('invoices')} <span class="muted">(${t('wholeAccount')})</span></legend>
    ${items.map((i) => html`<label class="check"><input type="checkbox" name="entries" value=${i.entry_number} />
      ${itemLabel(i)} · ${money(i.amount)}</label>`)}
  </fieldset>`
}

function Actions({ card, base, reasons, done, notify }) {
  const chase = card.open_items.filter((i) => !i.disputed)
  const entries = (form) => form.getAll('entries').map(Number)
  const stopped = card.dunning.stops.filter((s) => s.entry == null)
  const setFlag = async () => {
    await api('PUT', `${base}/details`, { ...card.details, flagged: !card.flagged })
    done(t('saved'))
  }
  const lift = async (stop) => {
    await api('DELETE', `${base}/stops/${stop.stop_id}`)
    done(t('saved'))
  }
  // K7: a personal link to the customer portal, shown once (only its hash is stored).
  const portalLink = async () => {
    const link = await create(`${base}/portal-links`)
    if (navigator.clipboard) await navigator.clipboard.writeText(link.url).catch(() => {})
    done(t('portalLinkMade', { url: link.url }))
  }
  return html`<div class="actions" role="group" aria-label=${t('actions')}>
    <div class="action-row">
      <button type="button" aria-pressed=${card.flagged} onClick=${() => setFlag().catch((e) => notify(errorText(e), 'error'))}>
        ${card.flagged ? t('unwatch') : t('watch')}</button>
      ${stopped.map((s) => html`<button type="button" onClick=${() => lift(s).catch((e) => notify(errorText(e), 'error'))}>
        ${t('lift')}</button>`)}
      <button type="button" onClick=${() => portalLink().catch((e) => notify(errorText(e), 'error'))}>
        ${t('portalLink')}</button>
    </div>
    <${ActionForm} title=${t('recordPromise')} primary done=${() => done(t('saved'))}
      onSubmit=${(f) => create(`${base}/promises`, {
        amount: f.get('amount'), promised_date: f.get('promised_date'), entries: entries(f), note: f.get('note'),
      })}>
      <div class="field-row">
        <${Field} label=${`${t('amount')} (€)`}><input name="amount" inputmode="decimal" required pattern="[0-9]+([.,][0-9]{1,2})?"
          onInput=${(e) => { e.target.value = e.target.value.replace(',', '.') }} /><//>
        <${Field} label=${t('promisedDate')}><input name="promised_date" type="date" required /><//>
      </div>
      <${InvoicePicker} items=${chase} />
      <${Field} label=${t('note')}><textarea name="note" rows="2" maxlength="2000"></textarea><//>
    <//>
    <${ActionForm} title=${t('openDispute')} done=${() => done(t('saved'))}
      onSubmit=${(f) => create(`${base}/disputes`, { reason: f.get('reason'), entries: entries(f), note: f.get('note') })}>
      <${Field} label=${t('reason')}><select name="reason" required>
        ${reasons.map((r) => html`<option value=${r.code}>${reasonLabel(reasons, r.code)}</option>`)}
      </select><//>
      <${InvoicePicker} items=${chase} />
      <${Field} label=${t('note')}><textarea name="note" rows="2" maxlength="2000"></textarea><//>
    <//>
    <${ActionForm} title=${t('addComment')} done=${() => done(t('saved'))}
      onSubmit=${(f) => create(`${base}/comments`, { text: f.get('text') })}>
      <${Field} label=${t('comment')}><textarea name="text" rows="3" required maxlength="4000"></textarea><//>
    <//>
    <${ActionForm} title=${t('stopReminders')} done=${() => done(t('saved'))}
      onSubmit=${(f) => api('POST', `${base}/stops`, { reason: f.get('reason'), until: f.get('until') || null })}>
      <${Field} label=${t('stopReason')}><input name="reason" maxlength="500" /><//>
      <${Field} label=${t('until')}><input name="until" type="date" /><//>
    <//>
    <${ActionForm} title=${t('sendReminder')} done=${() => done(t('reminderSent'))}
      onSubmit=${(f) => api('POST', `${base}/reminders`, { step: f.get('step') })}>
      <${Field} label=${t('step')}><select name="step">${STEPS.map((s) => html`<option>${s}</option>`)}</select><//>
    <//>
  </div>`
}

/** The bad-payer score (0-100, higher is worse) as a grade badge A-D and its number;
 * "—" before a scoring sync or when the history is too thin to rate. */
export function ScoreBadge({ score, grade }) {
  if (score == null) return html`<span class="score-badge unrated" title=${t('notScored')}>—</span>`
  const value = Math.round(Number(score))
  const title = grade ? t('scoreTitle', { grade, score: value }) : t('unratedTitle', { score: value })
  return html`<span class=${`score-badge grade-${grade || 'none'}`} title=${title}>
    <span class="grade">${grade || '—'}</span> <span class="score-value">${value}</span></span>`
}

/** When an open item is expected to be paid, with its 80 % range. */
function Expected({ prediction }) {
  if (!prediction) return '—'
  const range = t('expectedRange', { from: day(prediction.earliest), to: day(prediction.latest) })
  return html`<span class="expected" title=${`${range} · ${t(`predictionSources.${prediction.source}`) || prediction.source}`}>
    ${day(prediction.expected_on)}<span class="sub">${range}</span></span>`
}

function Items({ items, caption, predictions = {} }) {
  if (!items.length) return html`<p class="muted">${t('nothing')}</p>`
  return html`<div class="table-wrap"><table class="list items">
    <caption class="visually-hidden">${caption}</caption>
    <thead><tr><th scope="col">${t('invoice')}</th><th scope="col" class="hide-sm">${t('dueDate')}</th>
      <th scope="col" class="num">${t('amount')}</th><th scope="col" class="num">${t('daysLate')}</th>
      <th scope="col">${t('expectedPayment')}</th></tr></thead>
    <tbody>${items.map((i) => html`<tr>
      <td>${itemLabel(i)}${i.last_step && html` <span class="pill">${i.last_step.step}</span>`}</td>
      <td class="hide-sm">${day(i.due_date)}</td>
      <td class="num">${money(i.amount)}</td>
      <td class="num"><span class=${lateClass(i.days_late)}>${i.days_late > 0 ? t('days', { n: i.days_late }) : '—'}</span></td>
      <td><${Expected} prediction=${predictions[i.entry_number]} /></td>
    </tr>`)}</tbody>
  </table></div>`
}

function measureText(factor) {
  const m = Number(factor.measure)
  if (factor.factor === 'late_share') return `${Math.round(m * 100)} %`
  if (['days_late', 'trend', 'current_overdue'].includes(factor.factor)) return t('days', { n: Math.round(m) })
  return count(Math.round(m * 100) / 100)
}

/** The score's weekly points and the live score as a small inline SVG line (no library:
 * a dozen points), with how much it moved in 30 days (higher = worse payer). */
function ScoreTrend({ trend, score }) {
  if (!trend) return null
  const values = [...trend.points.map((p) => Number(p.score)), Number(score)]
  const width = 120
  const height = 28
  const top = Math.max(...values)
  const low = Math.min(...values)
  const span = Math.max(top - low, 1)
  const step = values.length > 1 ? width / (values.length - 1) : 0
  const y = (v) => (top === low ? height / 2 : 2 + (height - 4) * (1 - (v - low) / span))
  const xy = values.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`)
  const said = trend.points.map((p) => `${day(p.week)} ${count(Number(p.score))}`).join(', ')
  const delta = trend.delta_30d === null ? null : Number(trend.delta_30d)
  const moved = delta === null ? t('scoreDeltaNone')
    : delta === 0 ? t('scoreSteady')
    : `${t('scoreDelta', { delta: `${delta > 0 ? '+' : '−'}${count(Math.abs(delta))}` })}, ${t(delta > 0 ? 'scoreWorse' : 'scoreBetter')}`
  return html`<p class="score-trend">
    <svg width=${width} height=${height} viewBox=${`0 0 ${width} ${height}`} role="img"
      aria-label=${t('scoreTrend', { points: said })} style="vertical-align: middle; overflow: visible">
      ${values.length > 1
        ? html`<polyline points=${xy.join(' ')} fill="none" stroke="currentColor" stroke-width="1.5" />`
        : null}
      <circle cx=${xy[xy.length - 1].split(',')[0]} cy=${xy[xy.length - 1].split(',')[1]} r="2.5" fill="currentColor" />
    </svg>
    <span class=${delta > 0 ? 'late late-2' : 'muted'} style="margin-left: .5rem">${moved}</span>
  </p>`
}

/** The score, its grade and what made it: one bar per factor, largest first. */
function PaymentBehaviour({ payments }) {
  if (!payments) return html`<p class="muted">${t('notScored')}</p>`
  const top = Math.max(1, ...payments.factors.map((f) => Math.abs(Number(f.points))))
  return html`<div class="behaviour">
    <p class="behaviour-head"><${ScoreBadge} score=${payments.score} grade=${payments.grade} />
      <span class="muted">${t('scoreHelp', { n: count(payments.invoices) })}</span></p>
    <${ScoreTrend} trend=${payments.trend} score=${payments.score} />
    ${payments.factors.length > 0 && html`<ul class="factors" aria-label=${t('scoreFactors')}>
      ${payments.factors.map((f) => html`<li>
        <span class="factor-name">${t(`scoreFactorNames.${f.factor}`) || f.factor}
          <span class="sub">${measureText(f)}</span></span>
        <span class="factor-bar" aria-hidden="true"><span style=${`width:${(Math.abs(Number(f.points)) / top) * 100}%`}></span></span>
        <span class="factor-points num">${t('points', { n: count(Math.round(Number(f.points) * 10) / 10) })}</span>
      </li>`)}</ul>`}
  </div>`
}

function Contacts({ card }) {
  const c = card.customer || {}
  const people = [
    { name: c.contact_name || c.name, role: '', email: c.email, phone: c.phone },
    ...card.contacts.map((p) => ({ name: [p.first_name, p.last_name].filter(Boolean).join(' '), role: p.function, email: p.email, phone: p.mobile || p.phone })),
    ...((card.details && card.details.contacts) || []).map((m) => ({ name: m.name, role: m.role, email: m.email, phone: m.phone })),
  ].filter((p) => p.name || p.email || p.phone)
  if (!people.length) return html`<p class="muted">${t('noContact')}</p>`
  return html`<ul class="contacts">${people.map((p) => html`<li>
    <strong>${p.name}</strong>${p.role && html` <span class="muted">· ${p.role}</span>`}
    ${p.email && html`<a href=${`mailto:${p.email}`}>${p.email}</a>`}
    ${p.phone && html`<a href=${`tel:${p.phone.replace(/\s/g, '')}`}>${p.phone}</a>`}
  </li>`)}</ul>`
}

const reasonLabel = (reasons, code) => {
  const found = reasons.find((r) => r.code === code)
  return found ? (settings.language === 'en' ? found.label_en : found.label_fr) : code
}

function Disputes({ card, base, canEdit, reasons, done, notify }) {
  if (!card.disputes.length) return html`<p class="muted">${t('nothing')}</p>`
  const resolve = (d) => api('POST', `${base}/disputes/${d.dispute_id}/resolve`, { version: d.version, resolution: '' })
    .then(() => done(t('saved'))).catch((e) => notify(errorText(e), 'error'))
  return html`<ul class="records">${card.disputes.map((d) => html`<li>
    <span class=${`status ${d.status}`}>${t(`statuses.${d.status}`)}</span>
    <strong>${money(d.amount)}</strong> · ${reasonLabel(reasons, d.reason)}${d.note && html` — ${d.note}`}
    <span class="sub">${moment(d.opened_at)}</span>
    ${canEdit && d.status === 'open' && html`<button type="button" class="small" onClick=${() => resolve(d)}>${t('resolve')}</button>`}
  </li>`)}</ul>`
}

function Promises({ card }) {
  if (!card.promises.length) return html`<p class="muted">${t('nothing')}</p>`
  return html`<ul class="records">${card.promises.map((p) => html`<li>
    <span class=${`status ${p.status}`}>${t(`statuses.${p.status}`)}</span>
    <strong>${money(p.amount)}</strong> · ${day(p.promised_date)}${p.note && html` — ${p.note}`}
  </li>`)}</ul>`
}

function Comments({ card, me }) {
  if (!card.comments.length) return html`<p class="muted">${t('nothing')}</p>`
  return html`<ul class="records">${card.comments.map((c) => html`<li>
    <p class="comment">${c.text}</p><span class="sub">${moment(c.created_at)} ${who(c.author, me) && t('by', { who: who(c.author, me) })}</span>
  </li>`)}</ul>`
}

function Reminders({ card }) {
  if (!card.reminders.length) return html`<p class="muted">${t('nothing')}</p>`
  return html`<ul class="records">${card.reminders.map((r) => html`<li>
    <span class="pill">${r.step}</span> ${t(`channels.${r.channel}`) || r.channel} · ${money(r.amount)}
    <span class=${`status ${r.status}`}>${t(`statuses.${r.status}`) || r.status}</span>
    <span class="sub">${day(r.as_of)}</span>
    ${r.document_key && html` <${DocumentLink} company=${card.company} customer=${card.number} actionId=${r.action_id} channel=${r.channel} />`}
  </li>`)}</ul>`
}

function Timeline({ card, me }) {
  if (!card.timeline.length) return html`<p class="muted">${t('nothing')}</p>`
  return html`<ol class="timeline">${card.timeline.slice(0, 30).map((e) => html`<li>
    <span class="sub">${DAY_EVENTS.has(e.kind) ? day(e.at) : moment(e.at)}</span>
    <span>${t(`events.${e.kind}`, e.summary) || e.kind}${e.summary && e.summary.amount ? ` · ${money(e.summary.amount)}` : ''}
      ${who(e.actor, me) && html` <span class="muted">${t('by', { who: who(e.actor, me) })}</span>`}</span>
  </li>`)}</ol>`
}

export function CustomerCard({ me, canEdit, company, number }) {
  const base = `/customers/${encodeURIComponent(company)}/${encodeURIComponent(number)}`
  const loaded = useLoad(() => Promise.all([get(base), get('/settings/dispute-reasons').catch(() => ({ reasons: [] }))]), [base])
  const [note, setNote] = useState(null)
  const [card, reasons] = loaded.data || []
  useTitle(card ? (card.customer && card.customer.name) || number : number)
  const notify = (text, kind = 'success') => setNote({ text, kind })
  const done = (text) => { notify(text); loaded.reload() }
  if (loaded.error) return html`<${Failed} error=${loaded.error} retry=${loaded.reload} />`
  if (!card) return html`<${Loading} />`
  const c = card.customer || {}
  const chase = card.open_items.filter((i) => !i.disputed)
  const disputed = card.open_items.filter((i) => i.disputed)
  const stopped = card.dunning.stops.length > 0
  const predictions = Object.fromEntries(((card.payments && card.payments.predictions) || []).map((p) => [p.entry_number, p]))
  return html`<div class="page card-page">
    <p><a href="#/customers" onClick=${(e) => { if (history.length > 1) { e.preventDefault(); history.back() } }}>← ${t('back')}</a></p>
    <div class="page-head customer-head">
      <div>
        <h1>${c.name || number}</h1>
        <span class="sub">${company} · ${number}${c.city ? ` · ${c.postal_code || ''} ${c.city}` : ''}${card.profile ? ` · ${card.profile}` : ''}</span>
        <${Flags} row=${{ flagged: card.flagged, open_disputes: card.disputes.filter((d) => d.status === 'open').length, open_promises: card.promises.filter((p) => p.status === 'open').length, broken_promises: card.promises.filter((p) => p.status === 'broken').length }} />
        ${stopped && html`<span class="flag stopped">${t('stopped')}</span>`}
      </div>
      <dl class="figures">
        <div><dt>${t('total')}</dt><dd>${money(card.total)}</dd></div>
        <div><dt>${t('toChase')}</dt><dd data-testid="to-chase">${money(card.to_chase)}</dd></div>
        <div><dt>${t('disputedItems')}</dt><dd>${money(card.disputed)}</dd></div>
      </dl>
    </div>
    ${note && html`<${Notice} kind=${note.kind}>${note.text}<//>`}
    ${canEdit && html`<${Actions} card=${card} base=${base} reasons=${reasons.reasons} done=${done} notify=${notify} />`}
    <div class="grid-2">
      <div class="stack">
        <${Section} title=${`${t('toChase')} (${chase.length})`} id="chase-title"><${Items} items=${chase} caption=${t('toChase')} predictions=${predictions} /><//>
        ${disputed.length > 0 && html`<${Section} title=${`${t('disputedItems')} (${disputed.length})`} id="disputed-title">
          <${Items} items=${disputed} caption=${t('disputedItems')} predictions=${predictions} /><//>`}
        <${Section} title=${t('agedBalance')} id="card-aged-title">
          <table class="buckets"><tr>${BUCKETS.map((b) => html`<th scope="col" class=${`b-${b}`}>${t(`buckets.${b}`)}</th>`)}</tr>
            <tr>${BUCKETS.map((b) => html`<td class="num"><span class="hide-sm">${money((card.aged_balance || {})[b])}</span>
              <span class="show-sm">${money((card.aged_balance || {})[b], 'EUR', true)}</span></td>`)}</tr></table>
        <//>
        <${Section} title=${t('timeline')} id="timeline-title"><${Timeline} card=${card} me=${me} /><//>
      </div>
      <div class="stack">
        <${Section} title=${t('paymentBehaviour')} id="behaviour-title"><${PaymentBehaviour} payments=${card.payments} /><//>
        <${Section} title=${t('contacts')} id="contacts-title"><${Contacts} card=${card} /><//>
        <${Section} title=${t('promises')} id="promises-title"><${Promises} card=${card} /><//>
        <${Section} title=${t('disputes')} id="disputes-title">
          <${Disputes} card=${card} base=${base} canEdit=${canEdit} reasons=${reasons.reasons} done=${done} notify=${notify} /><//>
        <${Section} title=${t('comments')} id="comments-title"><${Comments} card=${card} me=${me} /><//>
        <${Section} title=${t('reminders')} id="reminders-title"><${Reminders} card=${card} /><//>
      </div>
    </div>
  </div>`
}
