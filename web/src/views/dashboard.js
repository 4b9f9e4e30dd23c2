// Home dashboard (V2): what is owed, how late, who owes most, what to do today.
import { useEffect, useRef } from 'preact/hooks'
import { get, query } from '../api.js'
import { drawAgedBalance, loadUPlot } from '../chart.js'
import { DsoTrend } from './dso.js'
import { day, locale, money, number, t } from '../i18n.js'
import { Failed, Flags, html, lateClass, Loading, Section, useLoad, useTitle } from '../ui.js'

const BUCKETS = ['not_due', 'd1_30', 'd31_60', 'd61_90', 'over_90']
const ALERTS_SHOWN = 8

/** The lists the filters choose from: companies (every role), collectors (admins). */
async function loadChoices(me) {
  const [controls, users] = await Promise.all([
    get('/controls/aged-balance').catch(() => ({ controls: [] })),
    me.role === 'admin' ? get('/users').catch(() => ({ users: [] })) : { users: [] },
  ])
  const companies = [...new Set(controls.controls.map((c) => c.company))].sort()
  const collectors = users.users.filter((u) => u.role === 'user' && u.active)
  return { companies, collectors }
}

function setFilter(params, name, value) {
  location.hash = `#/${query({ ...params, [name]: value })}`
}

function Filters({ me, params, ready }) {
  // Asked once the figures are in: the dashboard's own requests go first.
  const choices = useLoad(() => (ready ? loadChoices(me) : null), [me.user_id, ready])
  const { companies = [], collectors = [] } = choices.data || {}
  return html`<form class="filters" role="search" aria-label=${t('filters')} onSubmit=${(e) => e.preventDefault()}>
    <label>${t('company')}
      <select value=${params.company || ''} onChange=${(e) => setFilter(params, 'company', e.target.value)}>
        <option value="">${t('allCompanies')}</option>
        ${companies.map((c) => html`<option value=${c}>${c}</option>`)}
      </select></label>
    ${collectors.length > 0 && html`<label>${t('collector')}
      <select value=${params.collector || ''} onChange=${(e) => setFilter(params, 'collector', e.target.value)}>
        <option value="">${t('allCollectors')}</option>
        ${collectors.map((u) => html`<option value=${u.user_id}>${u.display_name}</option>`)}
      </select></label>`}
  </form>`
}

function Tile({ label, value, detail, href, tone = '' }) {
  const body = html`<span class="tile-label">${label}</span><strong class="tile-value">${value}</strong>
    ${detail && html`<span class="tile-detail">${detail}</span>`}`
  return href ? html`<a class=${`tile ${tone}`} href=${href}>${body}</a>` : html`<div class=${`tile ${tone}`}>${body}</div>`
}

function AgedBalance({ buckets, onDrawn }) {
  const box = useRef(null)
  useEffect(() => {
    let remove = null
    let gone = false
    drawAgedBalance(box.current, buckets).then((undo) => {
      if (gone) undo()
      else { remove = undo; onDrawn() }
    }).catch(() => onDrawn())
    return () => { gone = true; if (remove) remove() }
  }, [buckets])
  return html`<figure class="chart">
    <div ref=${box} class="chart-box"></div>
    <figcaption class="visually-hidden">${t('chartLabel')}</figcaption>
    <table class="buckets">
      <caption class="visually-hidden">${t('chartLabel')}</caption>
      <tr>${BUCKETS.map((b) => html`<th scope="col" class=${`b-${b}`}>${t(`buckets.${b}`)}</th>`)}</tr>
      <tr>${BUCKETS.map((b) => html`<td class="num"><span class="hide-sm">${money(buckets[b])}</span>
        <span class="show-sm">${money(buckets[b], 'EUR', true)}</span></td>`)}</tr>
    </table>
  </figure>`
}

const shortDay = (iso) => new Date(`${iso}T00:00:00Z`).toLocaleDateString(locale(), { day: 'numeric', month: 'short', timeZone: 'UTC' })

/** Weekly expected cash-in as bars into `element`; returns a function that removes it. */
async function drawForecast(element, periods) {
  const uPlot = await loadUPlot()
  const xs = periods.map((_, i) => i)
  const collected = periods.map((p) => Number(p.collected || 0))
  const values = periods.map((p, i) => collected[i] + Number(p.expected || 0))
  const objectives = periods.map((p) => (p.objective == null ? null : Number(p.objective)))
  const highest = Math.max(0, ...values, ...objectives.filter((o) => o !== null))
  const width = Math.max(element.clientWidth, 280)
  const narrow = width < 500
  const font = `${narrow ? 11 : 12}px system-ui, sans-serif`
  const plot = new uPlot({
    width,
    height: narrow ? 180 : 220,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false, range: [-0.5, periods.length - 0.5] }, y: { range: () => [0, highest * 1.1 || 1] } },
    axes: [
      { values: (u, splits) => splits.map((i) => (Number.isInteger(i) && periods[i] && (!narrow || i % 2 === 0) ? shortDay(periods[i].start) : '')), splits: () => xs, grid: { show: false }, font },
      { values: (u, splits) => splits.map((v) => money(v, 'EUR', true)), size: narrow ? 56 : 70, font },
    ],
    series: [{}, { label: t('cashForecast'), paths: () => null, points: { show: false } }],
    hooks: {
      draw: [(u) => {
        const { ctx } = u
        const half = (u.valToPos(1, 'x', true) - u.valToPos(0, 'x', true)) * 0.35
        const y0 = u.valToPos(0, 'y', true)
        // Collected so far (dark) under what is still expected (light): the period's
        // outlook; the cash objective as a red mark across the bar.
        values.forEach((v, i) => {
          const x = u.valToPos(i, 'x', true)
          const y = u.valToPos(v, 'y', true)
          const yc = u.valToPos(collected[i], 'y', true)
          ctx.fillStyle = '#86efac'
          ctx.fillRect(x - half, y, half * 2, yc - y)
          ctx.fillStyle = '#15803d'
          ctx.fillRect(x - half, yc, half * 2, y0 - yc)
          if (objectives[i] !== null) {
            const yo = u.valToPos(objectives[i], 'y', true)
            ctx.fillStyle = '#dc2626'
            ctx.fillRect(x - half * 1.3, yo - 1, half * 2.6, 3)
          }
        })
      }],
    },
  }, [xs, values], element)
  plot.root.setAttribute('aria-hidden', 'true')
  return () => plot.destroy()
}

/** The cash-in forecast (V6): what the open items are expected to bring in, week by week,
 * drawn by uPlot, with the same figures as a table for screen readers. */
function CashForecast({ forecast, collected }) {
  const box = useRef(null)
  const periods = forecast.periods || []
  useEffect(() => {
    let remove = null
    let gone = false
    if (!periods.length) return undefined
    drawForecast(box.current, periods).then((undo) => {
      if (gone) undo()
      else remove = undo
    }).catch(() => {})
    return () => { gone = true; if (remove) remove() }
  }, [forecast])
  if (!periods.length) return html`<p class="muted">${t('noForecast')}</p>`
  return html`<figure class="chart forecast">
    <div ref=${box} class="chart-box" data-testid="forecast-chart"></div>
    <figcaption class="muted">${t('forecastCaption', { total: money(forecast.open_total), beyond: money(forecast.beyond) })}
      ${collected && html` ${t('collectedCaption', { yesterday: money(collected.yesterday), month: money(collected.month_to_date) })}`}</figcaption>
    <table class="visually-hidden" data-testid="forecast-table">
        <caption>${t('forecastLabel')}</caption>
        <thead><tr><th scope="col">${t('week')}</th><th scope="col" class="num">${t('collectedIn')}</th>
          <th scope="col" class="num">${t('expectedIn')}</th><th scope="col" class="num">${t('objective')}</th></tr></thead>
        <tbody>${periods.map((p) => html`<tr><th scope="row">${t('weekOf', { date: day(p.start) })}</th>
          <td class="num">${money(p.collected || 0)}</td><td class="num">${money(p.expected)}</td>
          <td class="num">${p.objective == null ? '—' : money(p.objective)}</td></tr>`)}
          <tr><th scope="row">${t('later')}</th><td class="num"></td><td class="num">${money(forecast.beyond)}</td><td class="num"></td></tr></tbody>
    </table>
  </figure>`
}

function TopDebtors({ rows }) {
  return html`<div class="table-wrap"><table class="list">
    <thead><tr><th scope="col">${t('name')}</th><th scope="col" class="num">${t('total')}</th>
      <th scope="col" class="num hide-sm">${t('overdue')}</th><th scope="col" class="num">${t('daysLate')}</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr>
      <td><a href=${`#/customers/${encodeURIComponent(r.company)}/${encodeURIComponent(r.number)}`}>${r.name || r.number}</a>
        <span class="sub">${r.company} · ${r.number}</span> <${Flags} row=${r} /></td>
      <td class="num">${money(r.total)}</td>
      <td class="num hide-sm">${money(r.overdue)}</td>
      <td class="num"><span class=${lateClass(r.days_late)}>${t('days', { n: r.days_late })}</span></td>
    </tr>`)}</tbody>
  </table></div>`
}

function Alerts({ alerts }) {
  if (!alerts.length) return html`<p class="muted">${t('noAlerts')}</p>`
  return html`<ul class="alerts">
    ${alerts.slice(0, ALERTS_SHOWN).map((a) => html`<li>
      <span class=${`alert-kind ${a.kind}`}>${t(`alertKinds.${a.kind}`) || a.kind}${a.step ? ` · ${a.step}` : ''}</span>
      <a href=${`#/customers/${encodeURIComponent(a.company)}/${encodeURIComponent(a.customer)}`}>${a.company} · ${a.customer}</a>
    </li>`)}
    ${alerts.length > ALERTS_SHOWN && html`<li class="muted">+ ${number(alerts.length - ALERTS_SHOWN)}</li>`}
  </ul>`
}

export function Dashboard({ me, params }) {
  useTitle(t('nav.dashboard'))
  const filters = { company: params.company || '', collector: params.collector || '' }
  useEffect(() => { loadUPlot().catch(() => {}) }, [])
  const board = useLoad(async () => {
    const [dashboard, alerts, tasks] = await Promise.all([
      get(`/dashboard${query(filters)}`),
      get(`/alerts${query({ company: filters.company })}`),
      get('/tasks?status=to_do').catch(() => ({ items: [] })),
    ])
    return { dashboard, alerts: alerts.items, tasks: tasks.items }
  }, [filters.company, filters.collector])

  const drawn = () => {
    // What bench/web.py times: figures, chart and Top 10 on screen.
    if (!performance.getEntriesByName('dashboard-ready').length) performance.mark('dashboard-ready')
  }
  const d = board.data && board.data.dashboard
  const listLink = (extra) => `#/customers${query({ company: filters.company, collector: filters.collector, ...extra })}`
  return html`<div class="page">
    <div class="page-head">
      <h1>${t('nav.dashboard')}</h1>
      ${d && html`<span class="muted">${t('asOf', { date: day(d.as_of) })}</span>`}
    </div>
    <${Filters} me=${me} params=${params} ready=${Boolean(board.data)} />
    ${board.error && html`<${Failed} error=${board.error} retry=${board.reload} />`}
    ${!d && !board.error && html`<${Loading} />`}
    ${d && html`
      <div class="tiles" aria-busy=${board.loading}>
        <${Tile} label=${t('outstanding')} value=${money(d.total)} href=${listLink({})} />
        <${Tile} label=${t('overdue')} value=${money(d.overdue)} tone="warn"
          detail=${t('customersOverdue', { n: number(d.customers_overdue), total: number(d.customers) })}
          href=${listLink({ overdue_only: 'true', sort: 'overdue' })} />
        <${Tile} label=${t('dueToday')} value=${number(board.data.tasks.length)} href="#/tasks" />
        <${Tile} label=${t('brokenPromises')} value=${number(d.broken_promises)} tone=${d.broken_promises ? 'bad' : ''}
          href=${listLink({ broken_promise: 'true' })} />
        <${Tile} label=${t('openDisputes')} value=${number(d.disputes_open)} detail=${money(d.disputed)}
          href=${listLink({ disputed: 'true' })} />
        <${Tile} label=${t('promisesOpen')} value=${number(d.promises_open)} detail=${money(d.promised)} />
        <${Tile} label=${t('flagged')} value=${number(d.flagged)} href=${listLink({ flagged: 'true' })} />
      </div>
      <div class="grid-2">
        <${Section} title=${t('agedBalance')} id="aged-title">
          <${AgedBalance} buckets=${d.buckets} onDrawn=${drawn} />
        <//>
        <${Section} title=${t('alerts')} id="alerts-title">
          <${Alerts} alerts=${board.data.alerts} />
        <//>
      </div>
      ${d.forecast && d.forecast.week && html`<${Section} title=${t('cashForecast')} id="forecast-title">
        <${CashForecast} forecast=${d.forecast.week} collected=${d.forecast.week.collected} />
      <//>`}
      <${DsoTrend} company=${filters.company} collector=${filters.collector} />
      <${Section} title=${t('topDebtors')} id="top-title"
        actions=${html`<a href=${listLink({})}>${t('seeAll')}</a>`}>
        <${TopDebtors} rows=${d.top_debtors} />
      <//>`}
  </div>`
}
