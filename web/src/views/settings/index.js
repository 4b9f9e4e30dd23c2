// Settings (admin): one tab per concern; each screen loads with this module, on demand.
import { addWords, t } from '../../i18n.js'
import { html, Tabs, useTitle } from '../../ui.js'
import { Cash } from './cash.js'
import { Company, Rates } from './company.js'
import { Scenarios } from './scenarios.js'
import { Sync } from './sync.js'
import { Terms } from './terms.js'
import { Templates } from './templates.js'
import { Users } from './users.js'

addWords({
  fr: { st: { title: 'Paramètres', tabs: { scenarios: 'Scénarios', templates: 'Modèles', company: 'Société', rates: 'Pénalités et relance auto', users: 'Utilisateurs', sync: 'Synchronisation', terms: 'DSO et délais de paiement', cash: 'Trésorerie' } } },
  en: { st: { title: 'Settings', tabs: { scenarios: 'Scenarios', templates: 'Templates', company: 'Company', rates: 'Penalties and run', users: 'Users', sync: 'Sync', terms: 'DSO and payment terms', cash: 'Cash' } } },
})

const SCREENS = { scenarios: Scenarios, templates: Templates, company: Company, rates: Rates, users: Users, sync: Sync, terms: Terms, cash: Cash }

export function Settings({ me, tab = 'scenarios', params }) {
  const Screen = SCREENS[tab] || Scenarios
  const current = SCREENS[tab] ? tab : 'scenarios'
  useTitle(`${t(`st.tabs.${current}`)} · ${t('st.title')}`)
  return html`<div class="page">
    <div class="page-head"><h1>${t('st.title')}</h1></div>
    <${Tabs} label=${t('st.title')} current=${current}
      tabs=${Object.keys(SCREENS).map((name) => [name, `#/settings/${name}`, t(`st.tabs.${name}`)])} />
    <${Screen} me=${me} params=${params} />
  </div>`
}
