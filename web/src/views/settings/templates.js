// Reminder templates (C12): the tenant's and the defaults, edited with a live preview (the
// documented example values), problems shown at their line, reset to the default, and the
// variables and blocks one click from the cursor.
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, get, query } from '../../api.js'
import { addWords, errorText, settings, t } from '../../i18n.js'
import { Failed, html, Loading, Notice, Section, useLoad } from '../../ui.js'

const PREVIEW_DELAY_MS = 350

addWords({
  fr: {
    tpl: {
      title: 'Modèles', id: 'Modèle', language: 'Langue', channel: 'Canal', source: 'Origine',
      sources: { tenant: 'personnalisé', default: 'par défaut' }, edit: 'Modifier', subject: 'Objet', body: 'Corps',
      preview: 'Aperçu (valeurs d’exemple)', previewing: 'Aperçu…', problems: 'Problèmes', line: 'Ligne {n}',
      partLine: '{part}, ligne {n}', parts: { subject: 'Objet', body: 'Corps' }, goTo: 'Aller à la ligne {n}',
      save: 'Enregistrer le modèle', saved: 'Modèle enregistré.', reset: 'Revenir au modèle par défaut',
      resetDone: 'Le modèle par défaut s’applique de nouveau.', noDefault: 'Aucun modèle par défaut : ce modèle est supprimé.',
      stale: 'Ce modèle a été modifié par quelqu’un d’autre depuis votre lecture : rechargez-le avant d’enregistrer.',
      reload: 'Recharger', variables: 'Variables', blocks: 'Blocs', insert: 'Insérer {what}', back: 'Tous les modèles',
      all: 'Tous', filter: 'Filtrer',
    },
  },
  en: {
    tpl: {
      title: 'Templates', id: 'Template', language: 'Language', channel: 'Channel', source: 'Source',
      sources: { tenant: 'customised', default: 'default' }, edit: 'Edit', subject: 'Subject', body: 'Body',
      preview: 'Preview (example values)', previewing: 'Previewing…', problems: 'Problems', line: 'Line {n}',
      partLine: '{part}, line {n}', parts: { subject: 'Subject', body: 'Body' }, goTo: 'Go to line {n}',
      save: 'Save the template', saved: 'Template saved.', reset: 'Back to the default template',
      resetDone: 'The default template applies again.', noDefault: 'No default template: this one is deleted.',
      stale: 'Someone else changed this template since you read it: reload it before saving.',
      reload: 'Reload', variables: 'Variables', blocks: 'Blocks', insert: 'Insert {what}', back: 'All templates',
      all: 'All', filter: 'Filter',
    },
  },
})

const path = (x) => `/templates/${encodeURIComponent(x.template_id)}/${x.language}/${x.channel}`

function TemplateList({ params }) {
  const loaded = useLoad(() => get('/templates'), [])
  const [language, setLanguage] = useState(params.language || '')
  const [channel, setChannel] = useState('')
  if (loaded.error) return html`<${Failed} error=${loaded.error} retry=${loaded.reload} />`
  if (!loaded.data) return html`<${Loading} />`
  const rows = loaded.data.templates.filter((x) => (!language || x.language === language) && (!channel || x.channel === channel))
  return html`<div class="stack">
    <form class="filters" aria-label=${t('tpl.filter')} onSubmit=${(e) => e.preventDefault()}>
      <label>${t('tpl.language')}<select value=${language} onChange=${(e) => setLanguage(e.target.value)}>
        <option value="">${t('tpl.all')}</option><option value="fr">Français</option><option value="en">English</option></select></label>
      <label>${t('tpl.channel')}<select value=${channel} onChange=${(e) => setChannel(e.target.value)}>
        <option value="">${t('tpl.all')}</option>${['email', 'letter', 'phone', 'other'].map((c) => html`<option value=${c}>${t(`channels.${c}`)}</option>`)}</select></label>
    </form>
    <div class="card table-wrap"><table class="list templates">
      <thead><tr><th scope="col">${t('tpl.id')}</th><th scope="col">${t('tpl.language')}</th><th scope="col">${t('tpl.channel')}</th>
        <th scope="col" class="hide-sm">${t('tpl.subject')}</th><th scope="col">${t('tpl.source')}</th></tr></thead>
      <tbody>${rows.map((x) => html`<tr>
        <td><a href=${`#/settings/templates${query({ id: x.template_id, language: x.language, channel: x.channel })}`}
          aria-label=${`${t('tpl.edit')} ${x.template_id} ${x.language} ${x.channel}`}>${x.template_id}</a></td>
        <td>${x.language.toUpperCase()}</td><td>${t(`channels.${x.channel}`)}</td>
        <td class="hide-sm">${x.subject}</td>
        <td><span class=${`status ${x.source === 'tenant' ? 'done' : ''}`}>${t(`tpl.sources.${x.source}`)}</span></td>
      </tr>`)}</tbody>
    </table></div>
  </div>`
}

/** The template's problems from a 422 (invalid_template), else none. */
function problemsOf(err) {
  const details = err && err.body && err.body.error && err.body.error.details
  return details && Array.isArray(details.problems) ? details.problems : []
}

/** Line numbers beside the body, the lines with a problem marked. */
function Gutter({ text, bad, scroll }) {
  const lines = text.split('\n').length
  return html`<div class="gutter" aria-hidden="true" style=${{ marginTop: `${-scroll}px` }}>
    ${Array.from({ length: lines }, (_, i) => html`<span class=${bad.has(i + 1) ? 'bad' : ''}>${i + 1}</span>`)}
  </div>`
}

function selectLine(area, n) {
  const lines = area.value.split('\n')
  const start = lines.slice(0, n - 1).reduce((sum, l) => sum + l.length + 1, 0)
  area.focus()
  area.setSelectionRange(start, start + (lines[n - 1] || '').length)
}

function Docs({ onInsert }) {
  const docs = useLoad(() => get('/templates/variables'), [settings.language])
  if (!docs.data) return docs.error ? html`<${Failed} error=${docs.error} />` : html`<${Loading} />`
  return html`<div class="docs">
    <h3>${t('tpl.blocks')}</h3>
    <ul class="records">${docs.data.blocks.map((b) => html`<li>
      <button type="button" class="small" aria-label=${t('tpl.insert', { what: b.call })} onClick=${() => onInsert(`{{ ${b.call} }}`)}>+</button>
      <code>${b.call}</code> <span class="muted">${b.description}</span></li>`)}</ul>
    <h3>${t('tpl.variables')}</h3>
    <ul class="records">${docs.data.variables.map((v) => html`<li>
      <button type="button" class="small" aria-label=${t('tpl.insert', { what: v.name })} onClick=${() => onInsert(`{{ ${v.name} }}`)}>+</button>
      <code>${v.name}</code> <span class="muted">${v.description}${v.example != null ? ` — ${JSON.stringify(v.example)}` : ''}</span></li>`)}</ul>
  </div>`
}

function Editor({ id, language, channel }) {
  const key = { template_id: id, language, channel }
  const loaded = useLoad(() => get(path(key)), [id, language, channel])
  const [draft, setDraft] = useState(null)
  const [shown, setShown] = useState({ preview: null, problems: [], error: null, busy: false })
  const [note, setNote] = useState(null)
  const [scroll, setScroll] = useState(0)
  const area = useRef(null)
  const template = draft || loaded.data
  useEffect(() => { if (loaded.data) setDraft({ ...loaded.data }) }, [loaded.data])
  useEffect(() => {
    if (!template) return undefined
    let live = true
    setShown((s) => ({ ...s, busy: true }))
    const timer = setTimeout(async () => {
      try {
        const preview = await api('POST', '/templates/preview', { ...key, subject: template.subject, body: template.body })
        if (live) setShown({ preview, problems: [], error: null, busy: false })
      } catch (err) {
        const problems = problemsOf(err)
        if (live) setShown((s) => ({ preview: s.preview, problems, error: problems.length ? null : err, busy: false }))
      }
    }, PREVIEW_DELAY_MS)
    return () => { live = false; clearTimeout(timer) }
  }, [template && template.subject, template && template.body])
  if (loaded.error) return html`<${Failed} error=${loaded.error} retry=${loaded.reload} />`
  if (!template) return html`<${Loading} />`
  const set = (changes) => { setDraft({ ...template, ...changes }); setNote(null) }
  const insert = (text) => {
    const el = area.current
    const at = el ? el.selectionStart : template.body.length
    const end = el ? el.selectionEnd : at
    set({ body: template.body.slice(0, at) + text + template.body.slice(end) })
    requestAnimationFrame(() => { if (el) { el.focus(); el.setSelectionRange(at + text.length, at + text.length) } })
  }
  const save = async (event) => {
    event.preventDefault()
    try {
      const saved = await api('PUT', path(key), { subject: template.subject, body: template.body, version: template.source === 'tenant' ? template.version : 0 })
      setDraft(saved)
      setNote({ kind: 'success', text: t('tpl.saved') })
    } catch (err) {
      if (err.status === 409) setNote({ kind: 'error', text: t('tpl.stale'), stale: true })
      else {
        const problems = problemsOf(err)
        if (problems.length) setShown((s) => ({ ...s, problems }))
        setNote({ kind: 'error', text: errorText(err) })
      }
    }
  }
  const reset = async () => {
    try {
      const answer = await api('DELETE', path(key))
      setDraft(answer.template ? { ...answer.template } : null)
      setNote({ kind: 'success', text: answer.template ? t('tpl.resetDone') : t('tpl.noDefault') })
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) })
    }
  }
  const bad = new Set(shown.problems.filter((p) => p.part === 'body' && p.line).map((p) => p.line))
  return html`<div class="stack">
    <p><a href="#/settings/templates">← ${t('tpl.back')}</a></p>
    <div class="page-head"><h2>${id} · ${language.toUpperCase()} · ${t(`channels.${channel}`)}</h2>
      <span class=${`status ${template.source === 'tenant' ? 'done' : ''}`}>${t(`tpl.sources.${template.source}`)}</span></div>
    <div class="grid-2 template-grid">
      <form class="card stack" onSubmit=${save} aria-label=${t('tpl.edit')}>
        <div class="field"><label for="tpl-subject">${t('tpl.subject')}</label>
          <input id="tpl-subject" value=${template.subject} maxlength="300" onInput=${(e) => set({ subject: e.target.value })}
            aria-invalid=${shown.problems.some((p) => p.part === 'subject') ? 'true' : undefined} /></div>
        <div class="field"><label for="tpl-body">${t('tpl.body')}</label>
          <div class="code-box">
            <div class="gutter-clip"><${Gutter} text=${template.body} bad=${bad} scroll=${scroll} /></div>
            <textarea id="tpl-body" ref=${area} rows="18" spellcheck="false" value=${template.body}
              aria-invalid=${bad.size ? 'true' : undefined} aria-describedby=${shown.problems.length ? 'tpl-problems' : undefined}
              onInput=${(e) => set({ body: e.target.value })} onScroll=${(e) => setScroll(e.target.scrollTop)}></textarea>
          </div></div>
        ${shown.problems.length > 0 && html`<div id="tpl-problems" class="notice error" role="alert">
          <strong>${t('tpl.problems')}</strong>
          <ul>${shown.problems.map((p) => html`<li data-line=${p.line || ''}>
            ${p.line ? html`<button type="button" class="link" onClick=${() => p.part === 'body' && selectLine(area.current, p.line)}
              >${t('tpl.partLine', { part: t(`tpl.parts.${p.part}`), n: p.line })}</button>` : t(`tpl.parts.${p.part}`)} : ${p.reason}</li>`)}</ul>
        </div>`}
        ${note && html`<${Notice} kind=${note.kind}>${note.text}
          ${note.stale && html` <button type="button" class="small" onClick=${() => { setDraft(null); setNote(null); loaded.reload() }}>${t('tpl.reload')}</button>`}<//>`}
        <div class="form-buttons">
          <button class="primary" type="submit">${t('tpl.save')}</button>
          ${template.source === 'tenant' && html`<button type="button" onClick=${reset}>${t('tpl.reset')}</button>`}
        </div>
      </form>
      <div class="stack">
        <${Section} title=${t('tpl.preview')} id="tpl-preview-title">
          <div aria-live="polite" aria-busy=${shown.busy}>
            ${shown.error && html`<${Failed} error=${shown.error} />`}
            ${shown.preview && html`<p class="preview-subject" data-testid="preview-subject"><strong>${shown.preview.subject}</strong></p>
              <iframe class="preview" title=${t('tpl.preview')} sandbox="" srcdoc=${shown.preview.html}></iframe>`}
          </div>
        <//>
        <details class="card"><summary>${t('tpl.variables')} · ${t('tpl.blocks')}</summary><${Docs} onInsert=${insert} /></details>
      </div>
    </div>
  </div>`
}

export function Templates({ params }) {
  if (params.id && params.language && params.channel) {
    return html`<${Editor} id=${params.id} language=${params.language} channel=${params.channel} />`
  }
  return html`<${TemplateList} params=${params} />`
}
