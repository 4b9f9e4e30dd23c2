// Reminders sent (C16): the paged list of what went out, and its CSV / Excel export.
import { useState } from 'preact/hooks'
import { ApiError, get, getFile, query } from '../api.js'
import { addWords, errorText, t } from '../i18n.js'
import { download, Failed, html, Loading, Notice, useLoad, useTitle } from '../ui.js'

const LIMIT = 50
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

addWords({
  fr: {
    rem: {
      title: 'Relances envoyées', from: 'Du', to: 'Au', channel: 'Canal', all: 'Tous', company: 'Société',
      sentAt: 'Envoyée le', customer: 'Client', step: 'Étape', recipients: 'Destinataires', subject: 'Objet',
      amount: 'Montant', status: 'Statut', none: 'Aucune relance envoyée sur cette période.', more: 'Afficher les suivantes',
      csv: 'Exporter en CSV', xlsx: 'Exporter en Excel', exported: 'Fichier {name} téléchargé.', filters: 'Période et filtres',
    },
  },
  en: {
    rem: {
      title: 'Reminders sent', from: 'From', to: 'To', channel: 'Channel', all: 'All', company: 'Company',
      sentAt: 'Sent on', customer: 'Customer', step: 'Step', recipients: 'Recipients', subject: 'Subject',
      amount: 'Amount', status: 'Status', none: 'No reminder sent in this period.', more: 'Show the next ones',
      csv: 'Export to CSV', xlsx: 'Export to Excel', exported: 'File {name} downloaded.', filters: 'Period and filters',
    },
  },
})

function Rows({ rows }) {
  return html`<tbody>${rows.map((r) => html`<tr>
    <td>${(r.display && r.display.sent_at) || r.sent_at}</td>
    <td><a href=${`#/customers/${encodeURIComponent(r.company)}/${encodeURIComponent(r.customer)}`}>${r.customer_name || r.customer}</a>
      <span class="sub">${r.company} · ${r.customer}</span></td>
    <td><span class="pill">${r.step}</span> <span class="muted">${t(`channels.${r.channel}`) || r.channel}</span></td>
    <td class="hide-sm">${(r.recipients || []).join(', ')}<span class="sub">${r.subject || ''}</span></td>
    <td class="num">${(r.display && r.display.amount) || '—'}</td>
    <td><span class=${`status ${r.status}`}>${t(`statuses.${r.status}`) || r.status}</span></td>
  </tr>`)}</tbody>`
}

export function Reminders({ params }) {
  useTitle(t('rem.title'))
  const [filters, setFilters] = useState({ from: params.from || '', to: params.to || '', channel: params.channel || '', company: params.company || '' })
  const [pages, setPages] = useState([])
  const [note, setNote] = useState(null)
  const key = JSON.stringify(filters)
  const first = useLoad(() => { setPages([]); return get(`/reminders${query({ ...filters, limit: LIMIT })}`) }, [key])
  const set = (changes) => setFilters({ ...filters, ...changes })
  const cursor = pages.length ? pages[pages.length - 1].next_cursor : first.data && first.data.next_cursor
  const more = async () => {
    try { setPages([...pages, await get(`/reminders${query({ ...filters, limit: LIMIT, cursor })}`)]) } catch (err) { setNote({ kind: 'error', text: errorText(err) }) }
  }
  const exportAs = async (format) => {
    try {
      const file = await getFile(`/reminders/export${query({ ...filters, format })}`, format === 'xlsx' ? XLSX : 'text/csv')
      download(file.blob, file.name)
      setNote({ kind: 'success', text: t('rem.exported', { name: file.name }) })
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err instanceof ApiError ? err : { message: String(err) }) })
    }
  }
  const rows = first.data ? [first.data, ...pages].flatMap((p) => p.reminders) : []
  return html`<div class="page">
    <div class="page-head"><h1>${t('rem.title')}</h1>
      <div class="action-row">
        <button type="button" onClick=${() => exportAs('csv')}>${t('rem.csv')}</button>
        <button type="button" onClick=${() => exportAs('xlsx')}>${t('rem.xlsx')}</button>
      </div></div>
    <form class="filters" aria-label=${t('rem.filters')} onSubmit=${(e) => e.preventDefault()}>
      <label>${t('rem.from')}<input type="date" value=${filters.from} onChange=${(e) => set({ from: e.target.value })} /></label>
      <label>${t('rem.to')}<input type="date" value=${filters.to} onChange=${(e) => set({ to: e.target.value })} /></label>
      <label>${t('rem.channel')}<select value=${filters.channel} onChange=${(e) => set({ channel: e.target.value })}>
        <option value="">${t('rem.all')}</option>${['email', 'letter'].map((c) => html`<option value=${c}>${t(`channels.${c}`)}</option>`)}</select></label>
    </form>
    ${note && html`<${Notice} kind=${note.kind}>${note.text}<//>`}
    ${first.error && html`<${Failed} error=${first.error} retry=${first.reload} />`}
    ${!first.data && !first.error && html`<${Loading} />`}
    ${first.data && html`<div class="card table-wrap"><table class="list reminders-sent">
      <caption class="visually-hidden">${t('rem.title')}</caption>
      <thead><tr><th scope="col">${t('rem.sentAt')}</th><th scope="col">${t('rem.customer')}</th><th scope="col">${t('rem.step')}</th>
        <th scope="col" class="hide-sm">${t('rem.recipients')}</th><th scope="col" class="num">${t('rem.amount')}</th><th scope="col">${t('rem.status')}</th></tr></thead>
      <${Rows} rows=${rows} />
    </table>
    ${rows.length === 0 && html`<p class="empty">${t('rem.none')}</p>`}</div>
    ${cursor && html`<div class="pager"><button type="button" onClick=${more}>${t('rem.more')}</button></div>`}`}
  </div>`
}
