// The aged-balance bar chart: uPlot (about 50 KB, pinned, copied into vendor/), loaded
// when a chart is first drawn. The bars carry an accessible table beside them.
import { money, t } from './i18n.js'

const BUCKETS = ['not_due', 'd1_30', 'd31_60', 'd61_90', 'over_90']
const COLOURS = ['#3b82f6', '#f59e0b', '#f97316', '#ef4444', '#991b1b']
let loading = null

/** Starts fetching the library (call it before the data arrives: both load at once). */
export function loadUPlot() {
  if (window.uPlot) return Promise.resolve(window.uPlot)
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const css = document.createElement('link')
      css.rel = 'stylesheet'
      css.href = 'vendor/uPlot.min.css'
      document.head.append(css)
      const script = document.createElement('script')
      script.src = 'vendor/uPlot.iife.min.js'
      script.onload = () => resolve(window.uPlot)
      script.onerror = reject
      document.head.append(script)
    })
  }
  return loading
}

/** Draws the buckets into `element`, as wide as it is; returns a function that removes it. */
export async function drawAgedBalance(element, buckets) {
  const uPlot = await loadUPlot()
  const values = BUCKETS.map((b) => Number(buckets[b] || 0))
  const xs = BUCKETS.map((_, i) => i)
  const width = Math.max(element.clientWidth, 280)
  const narrow = width < 500
  const words = narrow ? 'bucketsShort' : 'buckets'
  const font = `${narrow ? 11 : 12}px system-ui, sans-serif`
  const plot = new uPlot({
    width,
    height: narrow ? 200 : 240,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false, range: [-0.5, BUCKETS.length - 0.5] }, y: { range: (u, min, max) => [0, max * 1.1 || 1] } },
    axes: [
      { values: (u, splits) => splits.map((i) => (Number.isInteger(i) && BUCKETS[i] ? t(`${words}.${BUCKETS[i]}`) : '')), splits: () => xs, grid: { show: false }, font },
      { values: (u, splits) => splits.map((v) => money(v, 'EUR', true)), size: narrow ? 56 : 70, font },
    ],
    series: [
      {},
      { label: t('agedBalance'), paths: () => null, points: { show: false } },
    ],
    hooks: {
      // One colour per bucket: older debt reads warmer.
      draw: [(u) => {
        const { ctx } = u
        const half = (u.valToPos(1, 'x', true) - u.valToPos(0, 'x', true)) * 0.35
        values.forEach((v, i) => {
          const x = u.valToPos(i, 'x', true)
          const y = u.valToPos(v, 'y', true)
          const y0 = u.valToPos(0, 'y', true)
          ctx.fillStyle = COLOURS[i]
          ctx.fillRect(x - half, y, half * 2, y0 - y)
        })
      }],
    },
  }, [xs, values], element)
  plot.root.setAttribute('aria-hidden', 'true')
  return () => plot.destroy()
}
