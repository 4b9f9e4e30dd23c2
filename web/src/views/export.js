// Any list as a file (K5): CSV for Excel in the user's language, standard CSV for programs,
// or an Excel workbook — the API writes it from the very rows the list shows
// (GET <list>?format=csv|csv-standard|xlsx).
import { useState } from 'preact/hooks'
import { getFile, query } from '../api.js'
import { t } from '../i18n.js'
import { download, Failed, html } from '../ui.js'

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const FORMATS = [['csv', 'exportCsvExcel'], ['csv-standard', 'exportCsvStandard'], ['xlsx', 'exportExcel']]

export function ExportMenu({ path, params = {} }) {
  const [state, setState] = useState({ busy: false, error: null, done: '' })
  const run = async (format) => {
    setState({ busy: true, error: null, done: '' })
    try {
      const file = await getFile(`${path}${query({ ...params, format })}`, format === 'xlsx' ? XLSX : 'text/csv')
      download(file.blob, file.name)
      setState({ busy: false, error: null, done: t('exportDone', { name: file.name }) })
    } catch (error) {
      setState({ busy: false, error, done: '' })
    }
  }
  return html`<span class="action-row export-menu" role="group" aria-label=${t('exportMenu')}>
    ${FORMATS.map(([format, label]) => html`<button type="button" class="small" disabled=${state.busy}
      onClick=${() => run(format)}>${t(label)}</button>`)}
    ${state.done && html`<span class="visually-hidden" role="status">${state.done}</span>`}
    ${state.error && html`<${Failed} error=${state.error} />`}</span>`
}
