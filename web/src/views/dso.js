// DSO over the months (V8): a uPlot line in the tenant's method, named under the chart,
// with the same figures as a table for screen readers. A collector's API answer is its
// own portfolio's series (the server decides), so the chart needs no role logic.
import { useEffect, useRef } from 'preact/hooks'
import { get, query } from '../api.js'
import { loadUPlot } from '../chart.js'
import { locale, number, t } from '../i18n.js'
import { Failed, html, Section, useLoad } from '../ui.js'

const monthName = (month) => new Date(`${month}-01T00:00:00Z`).toLocaleDateString(locale(), { month: 'short', year: '2-digit', timeZone: 'UTC' })

async function drawDso(element, points) {
  const uPlot = await loadUPlot()
  const xs = points.map((_, i) => i)
  const values = points.map((p) => (p.dso === null ? null : Number(p.dso)))
  const width = Math.max(element.clientWidth, 280)
  const narrow = width < 500
  const font = `${narrow ? 11 : 12}px system-ui, sans-serif`
  const plot = new uPlot({
    width,
    height: narrow ? 180 : 220,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false, range: [-0.5, Math.max(points.length - 0.5, 0.5)] }, y: { range: (u, min, max) => [0, (max || 1) * 1.2] } },
    axes: [
      { values: (u, splits) => splits.map((i) => (Number.isInteger(i) && points[i] ? monthName(points[i].month) : '')), splits: () => xs, grid: { show: false }, font },
      { values: (u, splits) => splits.map((v) => `${number(v)} ${t('days', { n: '' }).trim()}`), size: narrow ? 50 : 60, font },
    ],
    series: [{}, { label: t('dso.title'), stroke: '#7c3aed', width: 2, points: { show: true, size: 6, fill: '#7c3aed' } }],
  }, [xs, values], element)
  plot.root.setAttribute('aria-hidden', 'true')
  return () => plot.destroy()
}

/** The dashboard's DSO section, for the dashboard's company and collector filters. */
export function DsoTrend({ company = '', collector = '' }) {
  const box = useRef(null)
  const series = useLoad(() => get(`/dso${query({ company, collector })}`), [company, collector])
  const points = (series.data && series.data.points) || []
  useEffect(() => {
    let remove = null
    let gone = false
    if (!points.length || !box.current) return undefined
    drawDso(box.current, points).then((undo) => {
      if (gone) undo()
      else remove = undo
    }).catch(() => {})
    return () => { gone = true; if (remove) remove() }
  }, [series.data])
  const method = series.data && t('dso.method', { m: t(`dso.methods.${series.data.method}`) })
  return html`<${Section} title=${t('dso.title')} id="dso-title">
    ${series.error && html`<${Failed} error=${series.error} retry=${series.reload} />`}
    ${series.data && !points.length && html`<p class="muted">${t('dso.none')}</p>`}
    ${points.length > 0 && html`<figure class="chart dso" data-testid="dso-chart">
      <div ref=${box} class="chart-box"></div>
      <figcaption class="muted" data-testid="dso-method">${method}</figcaption>
      <table class="visually-hidden" data-testid="dso-table">
        <caption>${t('dso.label')}</caption>
        <thead><tr><th scope="col">${t('dso.month')}</th><th scope="col" class="num">${t('dso.days')}</th></tr></thead>
        <tbody>${points.map((p) => html`<tr><th scope="row">${monthName(p.month)}</th>
          <td class="num">${p.dso === null ? '—' : number(Number(p.dso))}</td></tr>`)}</tbody>
      </table>
    </figure>`}
  <//>`
}
