// "Voir le courrier": the stored document of an action (the letter PDF, or the email as
// sent), opened from a short-lived S3 link the API signs (GET .../actions/{id}/document).
import { useState } from 'preact/hooks'
import { get } from '../api.js'
import { addWords, errorText, t } from '../i18n.js'
import { html } from '../ui.js'

addWords({
  fr: { doc: { letter: 'Voir le courrier', email: 'Voir l’e-mail envoyé', none: 'Aucun document enregistré pour cette action (pas encore produit).' } },
  en: { doc: { letter: 'See the letter', email: 'See the email as sent', none: 'No document stored for this action (not produced yet).' } },
})

const path = (company, customer, actionId) =>
  `/customers/${encodeURIComponent(company)}/${encodeURIComponent(customer)}/actions/${encodeURIComponent(actionId)}/document`

/** A button that opens the document in a new tab. The tab is opened at the click (a popup
 * opened after an await is blocked), then sent to the signed link. */
export function DocumentLink({ company, customer, actionId, channel }) {
  const [error, setError] = useState('')
  const open = async () => {
    setError('')
    const tab = window.open('', '_blank')
    try {
      const { url } = await get(path(company, customer, actionId))
      if (tab) tab.location.href = url
      else window.location.assign(url)
    } catch (err) {
      if (tab) tab.close()
      setError(err.status === 404 ? t('doc.none') : errorText(err))
    }
  }
  return html`<span class="document-link"><button type="button" class="link" onClick=${open}>${t(channel === 'email' ? 'doc.email' : 'doc.letter')}</button>
    ${error && html` <span class="muted" role="status">${error}</span>`}</span>`
}
