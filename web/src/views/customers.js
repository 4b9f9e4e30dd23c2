// Customers (V1): searchable, sortable, paged, filtered list; the query lives in the URL.
import { useEffect, useState } from 'preact/hooks'
import { get, getFile, query } from '../api.js'
import { addWords, money, number, t } from '../i18n.js'
import { download, Failed, Flags, html, lateClass, Loading, useLoad, useTitle } from '../ui.js'
import { ScoreBadge } from './card.js'

const LIMIT = 50
const CHECKS = [['overdue_only', 'overdueOnly'], ['flagged', 'flaggedOnly'], ['disputed', 'disputedOnly'], ['broken_promise', 'brokenOnly']]
const COLUMNS = [
  ['name', 'name', 'asc', ''], ['total', 'total', 'desc', 'num'], ['overdue', 'overdue', 'desc', 'num hide-sm'],
  ['days_late', 'daysLate', 'desc', 'num'], ['score', 'score', 'desc', 'num'],
]

function go(params, changes) {
  const next = { ...params, ...changes }
  if (!('offset' in changes)) delete next.offset // a new query starts at its first page
  location.hash = `#/customers${query(next)}`
}

function SortHeader({ params, column: [key, label, firstOrder, cls] }) {
  const sort = params.sort || 'total'
  const order = params.order || 'desc'
  const active = sort === key
  const nextOrder = active ? (order === 'asc' ? 'desc' : 'asc') : firstOrder
  return html`<th scope="col" class=${cls} aria-sort=${active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
    <button type="button" class="sort" title=${t('sortBy', { col: t(label) })}
      onClick=${() => go(params, { sort: key, order: nextOrder })}>
      ${t(label)}<span aria-hidden="true">${active ? (order === 'asc' ? ' ▲' : ' ▼') : ''}</span></button></th>`
}

function SearchBox({ params }) {
  const [text, setText] = useState(params.q || '')
  useEffect(() => setText(params.q || ''), [params.q])
  useEffect(() => {
    if (text === (params.q || '')) return undefined
    const timer = setTimeout(() => go(params, { q: text }), 250)
    return () => clearTimeout(timer)
  }, [text])
  return html`<label class="search"><span class="visually-hidden">${t('search')}</span>
    <input type="search" placeholder=${t('search')} value=${text} onInput=${(e) => setText(e.target.value)}
      onKeyDown=${(e) => { if (e.key === 'Enter') go(params, { q: text }) }} /></label>`
}

function FilterBar({ me, params }) {
  const choices = useLoad(() => Promise.all([
    get('/controls/aged-balance').catch(() => ({ controls: [] })),
    me.role === 'admin' ? get('/users').catch(() => ({ users: [] })) : { users: [] },
  ]), [me.user_id])
  const [controls, users] = choices.data || [{ controls: [] }, { users: [] }]
  const companies = [...new Set(controls.controls.map((c) => c.company))].sort()
  const collectors = users.users.filter((u) => u.role === 'user' && u.active)
  const reps = users.users.filter((u) => u.role === 'viewer' && u.rep_links.length)
    .flatMap((u) => u.rep_links.map((link) => ({ ...link, name: u.display_name })))
  return html`<form class="filters" role="search" aria-label=${t('filters')} onSubmit=${(e) => e.preventDefault()}>
    <${SearchBox} params=${params} />
    <label>${t('company')}
      <select value=${params.company || ''} onChange=${(e) => go(params, { company: e.target.value })}>
        <option value="">${t('allCompanies')}</option>
        ${companies.map((c) => html`<option value=${c}>${c}</option>`)}
      </select></label>
    ${collectors.length > 0 && html`<label>${t('collector')}
      <select value=${params.collector || ''} onChange=${(e) => go(params, { collector: e.target.value })}>
        <option value="">${t('allCollectors')}</option>
        ${collectors.map((u) => html`<option value=${u.user_id}>${u.display_name}</option>`)}
      </select></label>`}
    ${reps.length > 0 && html`<label>${t('salesperson')}
      <select value=${params.rep ? `${params.company}|${params.rep}` : ''}
        onChange=${(e) => { const [company, rep] = e.target.value.split('|'); go(params, rep ? { company, rep } : { rep: '' }) }}>
        <option value="">${t('allSalespeople')}</option>
        ${reps.map((r) => html`<option value=${`${r.company}|${r.rep_number}`}>${r.name} (${r.company})</option>`)}
      </select></label>`}
    <fieldset class="checks"><legend class="visually-hidden">${t('flags')}</legend>
      ${CHECKS.map(([name, label]) => html`<label class="check">
        <input type="checkbox" checked=${params[name] === 'true'}
          onChange=${(e) => go(params, { [name]: e.target.checked ? 'true' : '' })} /> ${t(label)}</label>`)}
    </fieldset>
  </form>`
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

addWords({
  fr: { exportXlsx: 'Exporter en Excel', exported: 'Fichier {name} téléchargé.' },
  en: { exportXlsx: 'Export to Excel', exported: 'File {name} downloaded.' },
})

/** The list as the filters and sort stand, every row of it (not the page): the API writes
 * the file (GET /customers?format=csv|xlsx), CSV for Excel in the user's language or a
 * real workbook, each with a total row. */
function ExportButtons({ params }) {
  const [state, setState] = useState({ busy: false, error: null, done: '' })
  const run = async (format) => {
    setState({ busy: true, error: null, done: '' })
    const { offset, limit, ...filters } = params // the export is the whole list
    try {
      const file = await getFile(`/customers${query({ ...filters, format })}`, format === 'xlsx' ? XLSX : 'text/csv')
      download(file.blob, file.name)
      setState({ busy: false, error: null, done: t('exported', { name: file.name }) })
    } catch (error) {
      setState({ busy: false, error, done: '' })
    }
  }
  return html`<span class="action-row">
    <button type="button" disabled=${state.busy} onClick=${() => run('csv')}>${t('exportCsv')}</button>
    <button type="button" disabled=${state.busy} onClick=${() => run('xlsx')}>${t('exportXlsx')}</button>
    ${state.done && html`<span class="visually-hidden" role="status">${state.done}</span>`}
    ${state.error && html`<${Failed} error=${state.error} />`}</span>`
}

export function Customers({ me, params }) {
  useTitle(t('customers'))
  const key = JSON.stringify(params)
  const page = useLoad(() => get(`/customers${query({ limit: LIMIT, ...params })}`), [key])
  const data = page.data
  const offset = Number(params.offset || 0)
  const pages = data ? Math.max(1, Math.ceil(data.total_count / LIMIT)) : 1
  return html`<div class="page">
    <div class="page-head"><h1>${t('customers')}</h1>
      ${data && html`<span class="muted" role="status">${t('resultCount', { n: number(data.total_count) })}</span>`}
      <${ExportButtons} params=${params} /></div>
    <${FilterBar} me=${me} params=${params} />
    ${page.error && html`<${Failed} error=${page.error} retry=${page.reload} />`}
    ${!data && !page.error && html`<${Loading} />`}
    ${data && html`<div class="card table-wrap" aria-busy=${page.loading}>
      <table class="list customers">
        <thead><tr>${COLUMNS.map((c) => html`<${SortHeader} params=${params} column=${c} />`)}
          <th scope="col" class="hide-sm">${t('flags')}</th></tr></thead>
        <tbody>${data.customers.map((r) => html`<tr>
          <td><a href=${`#/customers/${encodeURIComponent(r.company)}/${encodeURIComponent(r.number)}`}>${r.name || r.number}</a>
            <span class="sub">${r.company} · ${r.number}${r.city ? ` · ${r.city}` : ''}</span>
            <span class="show-sm"><${Flags} row=${r} /></span></td>
          <td class="num">${money(r.total)}</td>
          <td class="num hide-sm">${money(r.overdue)}</td>
          <td class="num"><span class=${lateClass(r.days_late)}>${t('days', { n: r.days_late })}</span></td>
          <td class="num"><${ScoreBadge} score=${r.score} grade=${r.grade} /></td>
          <td class="hide-sm"><${Flags} row=${r} /></td>
        </tr>`)}</tbody>
      </table>
      ${data.customers.length === 0 && html`<p class="empty">${t('noCustomer')}</p>`}
    </div>
    <nav class="pager" aria-label="Pagination">
      <button type="button" disabled=${offset <= 0} onClick=${() => go(params, { offset: Math.max(0, offset - LIMIT) })}>${t('previous')}</button>
      <span>${t('page', { page: Math.floor(offset / LIMIT) + 1, pages })}</span>
      <button type="button" disabled=${offset + LIMIT >= data.total_count} onClick=${() => go(params, { offset: offset + LIMIT })}>${t('next')}</button>
    </nav>`}
  </div>`
}
