// DSO method (V8) and payment-terms compliance (B2), for the admin: the method the DSO
// is shown in (saved at the version read), then the customers and open invoices whose
// terms go beyond the legal caps (60 days from the invoice, or 45 days end of month).
import { get, query } from '../../api.js'
import { addWords, day, money, number, t } from '../../i18n.js'
import { Failed, html, Loading, Section, useLoad } from '../../ui.js'
import { SaveNote, useVersioned } from './company.js'

const PAGE = 50

addWords({
  fr: {
    tm: {
      method: 'Méthode de calcul du DSO', methodHint: 'Tout l’historique s’affiche aussitôt dans la méthode choisie.',
      save: 'Enregistrer', customers: 'Clients dont les délais dépassent le plafond légal',
      customersHint: 'Délais lus sur les factures des 12 derniers mois (ouvertes ou réglées).',
      invoices: 'Factures ouvertes au-delà du plafond légal ({n})', none: 'Aucun dépassement : tout est dans les délais légaux.',
      company: 'Société', customer: 'Client', count: 'Factures', amount: 'Montant', longest: 'Délai le plus long',
      entry: 'Écriture', invoiceDate: 'Facture du', due: 'Échéance', cap: 'Plafond légal', excess: 'Dépassement',
      days: '{n} j', previous: 'Précédent', next: 'Suivant', asOf: 'Calculé à la synchronisation du {date}',
    },
  },
  en: {
    tm: {
      method: 'DSO method', methodHint: 'The whole history shows at once in the chosen method.',
      save: 'Save', customers: 'Customers whose terms exceed the legal cap',
      customersHint: 'Terms read from the invoices of the last 12 months (open or settled).',
      invoices: 'Open invoices beyond the legal cap ({n})', none: 'Nothing beyond the legal caps.',
      company: 'Company', customer: 'Customer', count: 'Invoices', amount: 'Amount', longest: 'Longest term',
      entry: 'Entry', invoiceDate: 'Invoice date', due: 'Due', cap: 'Legal cap', excess: 'Over by',
      days: '{n} d', previous: 'Previous', next: 'Next', asOf: 'Computed at the sync of {date}',
    },
  },
})

function Method() {
  const form = useVersioned('/settings/dso')
  if (form.loaded.error) return html`<${Failed} error=${form.loaded.error} retry=${form.loaded.reload} />`
  if (!form.value) return html`<${Loading} />`
  return html`<form class="stack" onSubmit=${form.save} aria-label=${t('tm.method')}>
    <fieldset><legend>${t('tm.method')}</legend>
      ${['count_back', 'simple'].map((m) => html`<label class="choice"><input type="radio" name="method" value=${m}
        checked=${form.value.method === m} onChange=${() => form.set({ method: m })} /> ${t(`dso.methods.${m}`)}</label>`)}
      <p class="muted">${t('tm.methodHint')}</p>
    </fieldset>
    <${SaveNote} form=${form} />
    <div class="save-row"><button class="primary" type="submit" disabled=${form.busy}>${t('tm.save')}</button></div>
  </form>`
}

function Report({ params }) {
  const offset = Number(params.offset || 0)
  const report = useLoad(() => get(`/compliance/payment-terms${query({ company: params.company, limit: PAGE, offset })}`), [params.company, offset])
  if (report.error) return html`<${Failed} error=${report.error} retry=${report.reload} />`
  if (!report.data) return html`<${Loading} />`
  const r = report.data
  const go = (to) => { location.hash = `#/settings/terms${query({ company: params.company, offset: to || '' })}` }
  const days = (n) => t('tm.days', { n: number(n) })
  const dates = Object.values(r.as_of).sort()
  return html`
    ${dates.length > 0 && html`<p class="muted">${t('tm.asOf', { date: day(dates[dates.length - 1]) })}</p>`}
    <${Section} title=${t('tm.customers')} id="tm-customers">
      <p class="muted">${t('tm.customersHint')}</p>
      ${r.customers.length === 0 ? html`<p class="muted">${t('tm.none')}</p>` : html`<div class="table-wrap"><table class="list" data-testid="terms-customers">
        <thead><tr><th scope="col">${t('tm.customer')}</th><th scope="col" class="num">${t('tm.count')}</th>
          <th scope="col" class="num">${t('tm.amount')}</th><th scope="col" class="num">${t('tm.longest')}</th></tr></thead>
        <tbody>${r.customers.map((c) => html`<tr>
          <td><a href=${`#/customers/${encodeURIComponent(c.company)}/${encodeURIComponent(c.customer)}`}>${c.customer}</a> <span class="sub">${c.company}</span></td>
          <td class="num">${number(c.invoices_over_cap)}</td><td class="num">${money(c.amount)}</td><td class="num">${days(c.longest_term_days)}</td>
        </tr>`)}</tbody></table></div>`}
    <//>
    <${Section} title=${t('tm.invoices', { n: number(r.invoices_total) })} id="tm-invoices">
      ${r.invoices.length === 0 ? html`<p class="muted">${t('tm.none')}</p>` : html`<div class="table-wrap"><table class="list" data-testid="terms-invoices">
        <thead><tr><th scope="col">${t('tm.customer')}</th><th scope="col" class="num">${t('tm.entry')}</th>
          <th scope="col">${t('tm.invoiceDate')}</th><th scope="col">${t('tm.due')}</th><th scope="col">${t('tm.cap')}</th>
          <th scope="col" class="num">${t('tm.excess')}</th><th scope="col" class="num">${t('tm.amount')}</th></tr></thead>
        <tbody>${r.invoices.map((i) => html`<tr>
          <td><a href=${`#/customers/${encodeURIComponent(i.company)}/${encodeURIComponent(i.customer)}`}>${i.customer}</a> <span class="sub">${i.company}</span></td>
          <td class="num">${i.entry_number}</td><td>${day(i.invoice_date)}</td><td>${day(i.due_date)}</td><td>${day(i.cap)}</td>
          <td class="num">${days(i.excess_days)}</td><td class="num">${money(i.amount)}</td>
        </tr>`)}</tbody></table></div>`}
      <div class="pager">
        ${offset > 0 && html`<button type="button" onClick=${() => go(Math.max(0, offset - PAGE))}>${t('tm.previous')}</button>`}
        ${r.next_offset !== null && html`<button type="button" onClick=${() => go(r.next_offset)}>${t('tm.next')}</button>`}
      </div>
    <//>`
}

export function Terms({ params = {} }) {
  return html`<div class="stack"><${Method} /><${Report} params=${params} /></div>`
}
