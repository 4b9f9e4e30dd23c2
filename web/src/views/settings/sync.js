// Sync status and the aged-balance control (K2): the relay's last runs, and whether
// Relance's aged balance still equals Sage's for each company.
import { get } from '../../api.js'
import { addWords, money, moment, number, t } from '../../i18n.js'
import { Failed, html, Loading, Section, useLoad } from '../../ui.js'
import { ExportMenu } from '../export.js'

const BUCKETS = ['not_due', 'd1_30', 'd31_60', 'd61_90', 'over_90', 'total']

addWords({
  fr: {
    sy: {
      runs: 'Synchronisations', started: 'Début', finished: 'Fin', mode: 'Mode', status: 'État', records: 'Enregistrements',
      companies: 'Sociétés', control: 'Contrôle de la balance âgée', matches: 'Concorde avec Sage', differs: '{n} écart(s)',
      sage: 'Sage', relance: 'Relance', compared: '{n} clients comparés au {date}', none: 'Aucune synchronisation pour l’instant.',
      modes: { full: 'complète', incremental: 'incrémentale' }, total: 'Total', differences: 'Écarts',
    },
  },
  en: {
    sy: {
      runs: 'Syncs', started: 'Started', finished: 'Finished', mode: 'Mode', status: 'Status', records: 'Records',
      companies: 'Companies', control: 'Aged-balance control', matches: 'Agrees with Sage', differs: '{n} difference(s)',
      sage: 'Sage', relance: 'Relance', compared: '{n} customers compared on {date}', none: 'No sync yet.',
      modes: { full: 'full', incremental: 'incremental' }, total: 'Total', differences: 'Differences',
    },
  },
})

function Control({ control }) {
  return html`<div class="card control" data-company=${control.company}>
    <div class="card-head"><h3>${control.company}</h3>
      <span class=${`status ${control.matches ? 'done' : 'broken'}`}>${control.matches ? t('sy.matches') : t('sy.differs', { n: control.difference_count })}</span></div>
    <p class="muted">${t('sy.compared', { n: number(control.customers_compared), date: control.as_of })}</p>
    <div class="table-wrap"><table class="list">
      <thead><tr><th scope="col"></th>${BUCKETS.map((b) => html`<th scope="col" class="num">${b === 'total' ? t('sy.total') : t(`bucketsShort.${b}`)}</th>`)}</tr></thead>
      <tbody>${['sage', 'relance'].map((side) => html`<tr><th scope="row">${t(`sy.${side}`)}</th>
        ${BUCKETS.map((b) => html`<td class="num">${money(control[`${side}_total`][b])}</td>`)}</tr>`)}</tbody>
    </table></div>
    ${control.differences.length > 0 && html`<details><summary>${t('sy.differences')}</summary>
      <pre class="differences">${JSON.stringify(control.differences.slice(0, 20), null, 1)}</pre></details>`}
  </div>`
}

export function Sync() {
  const loaded = useLoad(() => Promise.all([get('/sync-runs'), get('/controls/aged-balance')]), [])
  if (loaded.error) return html`<${Failed} error=${loaded.error} retry=${loaded.reload} />`
  if (!loaded.data) return html`<${Loading} />`
  const [{ runs }, { controls }] = loaded.data
  return html`<div class="stack">
    <${Section} title=${t('sy.control')} id="control-title">
      <div class="stack">${controls.map((c) => html`<${Control} control=${c} />`)}</div>
    <//>
    <${Section} title=${t('sy.runs')} id="runs-title">
      <${ExportMenu} path="/sync-runs" />
      ${runs.length === 0 ? html`<p class="muted">${t('sy.none')}</p>` : html`<div class="table-wrap"><table class="list sync-runs">
        <thead><tr><th scope="col">${t('sy.started')}</th><th scope="col" class="hide-sm">${t('sy.finished')}</th><th scope="col">${t('sy.mode')}</th>
          <th scope="col">${t('sy.status')}</th><th scope="col">${t('sy.companies')}</th><th scope="col" class="num">${t('sy.records')}</th></tr></thead>
        <tbody>${runs.map((r) => html`<tr>
          <td>${moment(r.started_at)}</td><td class="hide-sm">${moment(r.finished_at)}</td>
          <td>${t(`sy.modes.${r.mode}`) || r.mode}</td>
          <td><span class=${`status ${r.status === 'finished' ? 'done' : r.status === 'failed' ? 'broken' : 'open'}`}>${r.status}</span></td>
          <td>${(r.companies || []).join(', ')}</td>
          <td class="num">${r.result && r.result.records_written != null ? number(r.result.records_written) : '—'}</td>
        </tr>`)}</tbody></table></div>`}
    <//>
  </div>`
}
