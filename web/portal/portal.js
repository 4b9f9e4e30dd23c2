// The customer portal (K7): one customer's statement behind a personal link, and its answers
// (a payment promise, a dispute, a message). French first, English on request.
//
// The token comes in the address's #t= fragment (never sent to a server, so never in an
// access log); it is kept for this tab only (sessionStorage) and taken out of the address
// bar, then sent as "Authorization: Bearer" to /portal/... .
import { h, render, Component } from '../vendor/preact.mjs'
import htm from '../vendor/htm.mjs'

const html = htm.bind(h)
const TOKEN_KEY = 'relance.portal.token'

const STRINGS = {
  fr: {
    title: 'Votre relevé de compte', customer: 'Compte client {n}', asOf: 'Situation au {d}',
    number: 'N° de pièce', date: 'Date', due: 'Échéance', amount: 'Montant', remaining: 'Reste dû',
    status: 'État', pdf: 'Facture', open: 'Ouvrir le PDF', disputed: 'En litige', late: '{n} j de retard',
    notDue: 'À échoir', total: 'Total dû', overdue: 'dont échu', noItem: 'Aucune pièce ouverte : merci !',
    promiseTitle: 'Promettre un paiement', promiseDate: 'Date de paiement', promiseAmount: 'Montant (facultatif : tout le solde)',
    promiseSend: 'Enregistrer ma promesse', promiseDone: 'Merci : votre promesse de paiement du {d} pour {a} est enregistrée.',
    disputeTitle: 'Contester une facture', disputeItems: 'Factures concernées', reason: 'Motif', message: 'Message',
    disputeSend: 'Envoyer la contestation', disputeDone: 'Votre contestation est enregistrée : les relances de ces factures sont suspendues et votre interlocuteur est prévenu.',
    messageTitle: 'Écrire à votre interlocuteur', messageSend: 'Envoyer le message', messageDone: 'Votre message a été transmis.',
    pickOne: 'Cochez au moins une facture.', invalid: 'Ce lien n’est pas (ou plus) valide : demandez-en un nouveau à votre interlocuteur.',
    validUntil: 'Lien valable jusqu’au {d}.', language: 'English', contact: 'Contact', loading: 'Chargement…',
  },
  en: {
    title: 'Your account statement', customer: 'Customer account {n}', asOf: 'As of {d}',
    number: 'Document', date: 'Date', due: 'Due date', amount: 'Amount', remaining: 'Still due',
    status: 'Status', pdf: 'Invoice', open: 'Open the PDF', disputed: 'Disputed', late: '{n} days late',
    notDue: 'Not due yet', total: 'Total due', overdue: 'of which overdue', noItem: 'Nothing open: thank you!',
    promiseTitle: 'Promise a payment', promiseDate: 'Payment date', promiseAmount: 'Amount (optional: the whole balance)',
    promiseSend: 'Record my promise', promiseDone: 'Thank you: your promise to pay {a} on {d} is recorded.',
    disputeTitle: 'Dispute an invoice', disputeItems: 'Invoices concerned', reason: 'Reason', message: 'Message',
    disputeSend: 'Send the dispute', disputeDone: 'Your dispute is recorded: reminders of these invoices are on hold and your contact has been told.',
    messageTitle: 'Write to your contact', messageSend: 'Send the message', messageDone: 'Your message has been sent.',
    pickOne: 'Tick at least one invoice.', invalid: 'This link is not valid (any more): ask your contact for a new one.',
    validUntil: 'Link valid until {d}.', language: 'Français', contact: 'Contact', loading: 'Loading…',
  },
}

function takeToken() {
  const found = new URLSearchParams(location.hash.slice(1)).get('t')
  if (found) {
    sessionStorage.setItem(TOKEN_KEY, found)
    history.replaceState(null, '', location.pathname + location.search)
  }
  return sessionStorage.getItem(TOKEN_KEY) || ''
}

async function apiBase() {
  try {
    const answer = await fetch('../config.json', { cache: 'no-cache' })
    return answer.ok ? ((await answer.json()).api || '') : ''
  } catch { return '' }
}

class Portal extends Component {
  constructor() {
    super()
    this.state = { lang: (navigator.language || 'fr').startsWith('en') ? 'en' : 'fr', sheet: null, fatal: '', done: {}, errors: {}, picked: {} }
    this.token = takeToken()
  }

  t(key, vars = {}) {
    const text = STRINGS[this.state.lang][key] || key
    return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''))
  }

  money(value) {
    const locale = this.state.lang === 'fr' ? 'fr-FR' : 'en-GB'
    return new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).format(Number(value))
  }

  day(iso) {
    if (!iso) return ''
    const locale = this.state.lang === 'fr' ? 'fr-FR' : 'en-GB'
    return new Date(iso.length === 10 ? iso + 'T12:00:00' : iso).toLocaleDateString(locale)
  }

  async call(method, path, body) {
    const headers = { Accept: 'application/json', Authorization: `Bearer ${this.token}` }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json'
      headers['Idempotency-Key'] = crypto.randomUUID()
    }
    const answer = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const data = await answer.json().catch(() => null)
    if (answer.status === 401) { this.setState({ fatal: 'invalid' }); throw new Error('invalid') }
    if (!answer.ok) {
      const error = (data && data.error) || {}
      const text = this.state.lang === 'fr' ? (error.message_fr || error.message) : (error.message || error.message_fr)
      const details = Array.isArray(error.details) ? error.details.map((d) => `${d.where}: ${d.problem}`).join(' ; ') : ''
      throw new Error([text || `HTTP ${answer.status}`, details].filter(Boolean).join(' — '))
    }
    return data
  }

  async componentDidMount() {
    if (!this.token) { this.setState({ fatal: 'invalid' }); return }
    this.base = await apiBase()
    await this.load()
  }

  async load() {
    try {
      const sheet = await this.call('GET', '/portal/statement')
      document.title = `${this.t('title')} – ${sheet.company.name || sheet.customer_name}`
      this.setState({ sheet })
    } catch (err) {
      if (!this.state.fatal) this.setState({ fatal: err.message })
    }
  }

  async submit(event, form, path, body, done) {
    event.preventDefault()
    this.setState({ errors: { ...this.state.errors, [form]: '' }, done: { ...this.state.done, [form]: '' } })
    try {
      const made = await this.call('POST', path, body)
      this.setState({ done: { ...this.state.done, [form]: done(made) } })
      event.target.reset()
      if (form === 'dispute') { this.setState({ picked: {} }); await this.load() }
    } catch (err) {
      if (!this.state.fatal) this.setState({ errors: { ...this.state.errors, [form]: err.message } })
    }
  }

  onPromise = (event) => {
    const data = new FormData(event.target)
    const body = { promised_date: data.get('promised_date') }
    if (data.get('amount')) body.amount = String(data.get('amount')).replace(',', '.').replace(/\s/g, '')
    return this.submit(event, 'promise', '/portal/promises', body,
      (made) => this.t('promiseDone', { d: this.day(made.promised_date), a: this.money(made.amount) }))
  }

  onDispute = (event) => {
    const entries = Object.keys(this.state.picked).filter((k) => this.state.picked[k]).map(Number)
    if (!entries.length) { event.preventDefault(); this.setState({ errors: { ...this.state.errors, dispute: this.t('pickOne') } }); return }
    const data = new FormData(event.target)
    return this.submit(event, 'dispute', '/portal/disputes',
      { entries, reason: data.get('reason'), message: data.get('message') || '' }, () => this.t('disputeDone'))
  }

  onMessage = (event) => {
    const data = new FormData(event.target)
    return this.submit(event, 'message', '/portal/messages', { text: data.get('text') || '' }, () => this.t('messageDone'))
  }

  toggle(entry) { this.setState({ picked: { ...this.state.picked, [entry]: !this.state.picked[entry] } }) }

  feedback(form) {
    const { done, errors } = this.state
    if (errors[form]) return html`<p class="error" role="alert">${errors[form]}</p>`
    if (done[form]) return html`<p class="done" role="status">${done[form]}</p>`
    return null
  }

  render(_, { lang, sheet, fatal, picked }) {
    const switcher = html`<button type="button" class="lang small" onClick=${() => this.setState({ lang: lang === 'fr' ? 'en' : 'fr' })}>${this.t('language')}</button>`
    document.documentElement.lang = lang
    if (fatal) {
      return html`<main class="portal"><header><h1>${this.t('title')}</h1>${switcher}</header>
        <p class="error" role="alert">${fatal === 'invalid' ? this.t('invalid') : fatal}</p></main>`
    }
    if (!sheet) return html`<p class="loading" role="status">${this.t('loading')}</p>`
    const company = sheet.company
    const today = new Date().toISOString().slice(0, 10)
    const open = sheet.items.filter((i) => i.kind === 'invoice' && !i.disputed)
    return html`<main class="portal">
      <header>
        <div class="letterhead">
          <strong>${company.name}</strong>
          ${company.address_lines.map((l) => html`<div>${l}</div>`)}
          ${company.phone && html`<div>${company.phone}</div>`}
          ${company.email && html`<div><a href=${'mailto:' + company.email}>${company.email}</a></div>`}
        </div>
        ${switcher}
      </header>
      <section aria-labelledby="statement-title">
        <h1 id="statement-title">${this.t('title')}</h1>
        <p><strong>${sheet.customer_name}</strong> — ${this.t('customer', { n: sheet.customer_number })}.
          <span class="muted"> ${this.t('asOf', { d: this.day(sheet.as_of) })}. ${this.t('validUntil', { d: this.day(sheet.link_valid_until) })}</span></p>
        ${sheet.items.length === 0 ? html`<p>${this.t('noItem')}</p>` : html`<div class="table-wrap"><table>
          <thead><tr>
            <th scope="col"><span class="visually-hidden">${this.t('disputeItems')}</span></th>
            <th scope="col">${this.t('number')}</th><th scope="col">${this.t('date')}</th><th scope="col">${this.t('due')}</th>
            <th scope="col" class="num">${this.t('remaining')}</th><th scope="col">${this.t('status')}</th><th scope="col">${this.t('pdf')}</th>
          </tr></thead>
          <tbody>${sheet.items.map((i) => html`<tr data-entry=${i.entry}>
            <td>${i.kind === 'invoice' && !i.disputed && html`<input type="checkbox" aria-label=${`${this.t('disputeTitle')} ${i.number}`}
              checked=${!!picked[i.entry]} onChange=${() => this.toggle(i.entry)} />`}</td>
            <td>${i.number}</td><td>${this.day(i.invoice_date)}</td><td>${this.day(i.due_date)}</td>
            <td class="num">${this.money(i.remaining)}</td>
            <td>${i.disputed ? html`<span class="tag">${this.t('disputed')}</span>`
              : i.days_late > 0 ? html`<span class="late">${this.t('late', { n: i.days_late })}</span>` : this.t('notDue')}</td>
            <td>${i.pdf_url && html`<a href=${i.pdf_url} target="_blank" rel="noopener noreferrer">${this.t('open')}</a>`}</td>
          </tr>`)}</tbody>
          <tfoot>
            <tr><td></td><td colspan="3">${this.t('total')}</td><td class="num" data-total>${this.money(sheet.total_remaining)}</td><td colspan="2"></td></tr>
            <tr><td></td><td colspan="3" class="muted">${this.t('overdue')}</td><td class="num muted">${this.money(sheet.total_overdue)}</td><td colspan="2"></td></tr>
          </tfoot>
        </table></div>`}
      </section>
      <div class="forms">
        <section aria-labelledby="promise-title">
          <h2 id="promise-title">${this.t('promiseTitle')}</h2>
          <form onSubmit=${this.onPromise}>
            <label>${this.t('promiseDate')}<input type="date" name="promised_date" min=${today} required /></label>
            <label>${this.t('promiseAmount')}<input name="amount" inputmode="decimal" autocomplete="off" /></label>
            <button class="primary" type="submit">${this.t('promiseSend')}</button>
          </form>
          ${this.feedback('promise')}
        </section>
        <section aria-labelledby="dispute-title">
          <h2 id="dispute-title">${this.t('disputeTitle')}</h2>
          <form onSubmit=${this.onDispute}>
            <p class="muted">${this.t('disputeItems')} : ${open.filter((i) => picked[i.entry]).map((i) => i.number).join(', ') || '—'}</p>
            <label>${this.t('reason')}<select name="reason" required>
              ${sheet.reasons.map((r) => html`<option value=${r.code}>${lang === 'fr' ? r.label_fr : r.label_en}</option>`)}
            </select></label>
            <label>${this.t('message')}<textarea name="message" rows="3" maxlength="2000"></textarea></label>
            <button class="primary" type="submit">${this.t('disputeSend')}</button>
          </form>
          ${this.feedback('dispute')}
        </section>
        <section aria-labelledby="message-title">
          <h2 id="message-title">${this.t('messageTitle')}</h2>
          <form onSubmit=${this.onMessage}>
            <label>${this.t('message')}<textarea name="text" rows="4" maxlength="4000" required></textarea></label>
            <button class="primary" type="submit">${this.t('messageSend')}</button>
          </form>
          ${this.feedback('message')}
        </section>
      </div>
    </main>`
  }
}

render(html`<${Portal} />`, document.getElementById('portal'))
