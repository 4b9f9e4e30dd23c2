// Words and formats. French first; English for whoever chooses it (GET/PUT /me/settings).
// Amounts arrive as decimal strings: they are turned into numbers only to be shown,
// rounded to the cent by Intl in the user's locale, currency display and time zone.

const fr = {
  app: 'Relance',
  skip: 'Aller au contenu',
  loading: 'Chargement…',
  signIn: 'Connexion', signInTitle: 'Se connecter à Relance', email: 'E-mail',
  signInButton: 'Se connecter', signOut: 'Se déconnecter', password: 'Mot de passe',
  localSignIn: 'Connexion locale de démonstration (remplace Cognito sur ce poste) : choisissez un utilisateur ou saisissez son e-mail.',
  demoUsers: 'Utilisateurs de démonstration',
  role: { admin: 'Administrateur', user: 'Recouvrement', viewer: 'Lecture seule' },
  language: 'Langue',
  readOnly: 'Lecture seule : vous consultez sans pouvoir modifier.',
  // dashboard
  outstanding: 'Encours total', overdue: 'Échu', customersOverdue: '{n} clients en retard sur {total}',
  agedBalance: 'Balance âgée', topDebtors: 'Top 10 des débiteurs',
  dueToday: 'Actions du jour', brokenPromises: 'Promesses non tenues', openDisputes: 'Litiges ouverts',
  promisesOpen: 'Promesses en cours', flagged: 'Clients sous surveillance', alerts: 'Alertes',
  noAlerts: 'Aucune alerte.', seeAll: 'Tout voir', asOf: 'Au {date}',
  filters: 'Filtres', company: 'Société', allCompanies: 'Toutes les sociétés',
  collector: 'Chargé de recouvrement', allCollectors: 'Tous', salesperson: 'Commercial', allSalespeople: 'Tous',
  buckets: { not_due: 'Non échu', d1_30: '1-30 j', d31_60: '31-60 j', d61_90: '61-90 j', over_90: '> 90 j' },
  bucketsShort: { not_due: 'Non éch.', d1_30: '1-30', d31_60: '31-60', d61_90: '61-90', over_90: '>90' },
  alertKinds: {
    missing_email: 'E-mail manquant', missing_phone: 'Téléphone manquant', missing_address: 'Adresse manquante',
    no_reminder: 'Client à ne pas relancer', override_ignored: 'Forçage ignoré',
    portal_dispute: 'Litige ouvert par le client (portail)', portal_promise: 'Promesse du client (portail)',
    portal_message: 'Message du client (portail)',
  },
  portalLink: 'Lien portail client', portalLinkMade: 'Lien du portail client créé (copié) : {url}',
  // customers
  search: 'Rechercher (nom, code, SIRET, e-mail)', customers: 'Clients', name: 'Nom', number: 'Code',
  total: 'Encours', daysLate: 'Retard', days: '{n} j', flags: 'Indicateurs', profile: 'Profil',
  overdueOnly: 'Échu seulement', flaggedOnly: 'Sous surveillance', disputedOnly: 'En litige',
  brokenOnly: 'Promesse non tenue', resultCount: '{n} clients', previous: 'Précédent', next: 'Suivant',
  exportMenu: 'Exporter la liste', exportCsvExcel: 'CSV pour Excel', exportCsvStandard: 'CSV standard', exportExcel: 'Classeur Excel', exportDone: 'Fichier {name} téléchargé.',
  page: 'Page {page} sur {pages}', exportCsv: 'Exporter (CSV pour Excel)', noCustomer: 'Aucun client ne correspond.', sortBy: 'Trier par {col}',
  flagWatch: 'Surveillé', flagDispute: 'Litige', flagPromise: 'Promesse', flagBroken: 'Promesse non tenue',
  // card
  back: 'Retour', contacts: 'Contacts', noContact: 'Aucun contact.', openItems: 'Factures ouvertes',
  toChase: 'À relancer', disputedItems: 'En litige', invoice: 'Facture', dueDate: 'Échéance', amount: 'Montant',
  promises: 'Promesses', disputes: 'Litiges', comments: 'Commentaires', reminders: 'Relances',
  timeline: 'Historique', nothing: 'Rien pour l’instant.', actions: 'Actions',
  recordPromise: 'Enregistrer une promesse', promisedDate: 'Date promise', note: 'Note',
  openDispute: 'Ouvrir un litige', reason: 'Motif', invoices: 'Factures concernées', wholeAccount: 'tout le compte si aucune',
  resolve: 'Résoudre', resolution: 'Résolution', addComment: 'Commenter', comment: 'Commentaire',
  watch: 'Surveiller', unwatch: 'Ne plus surveiller', stopReminders: 'Suspendre les relances',
  stopReason: 'Motif de la suspension', stopped: 'Relances suspendues', until: 'Jusqu’au (facultatif)', lift: 'Reprendre les relances',
  sendReminder: 'Envoyer une relance', step: 'Étape', send: 'Envoyer', save: 'Enregistrer', cancel: 'Annuler',
  saved: 'Enregistré.', reminderSent: 'Relance émise.', status: 'Statut', by: 'par {who}', you: 'vous',
  system: 'Relance', phone: 'Tél.', mobile: 'Mobile',
  statuses: {
    open: 'ouverte', kept: 'tenue', partly_kept: 'partiellement tenue', broken: 'non tenue', cancelled: 'annulée',
    resolved: 'résolu', to_do: 'à faire', done: 'fait', skipped: 'ignoré', queued: 'en file', sent: 'envoyée',
  },
  events: {
    invoice: 'Facture', payment: 'Règlement', reminder: 'Relance {step}', comment: 'Commentaire',
    promise_made: 'Promesse de paiement', promise_cancelled: 'Promesse annulée', promise_kept: 'Promesse tenue',
    promise_broken: 'Promesse non tenue', dispute_opened: 'Litige ouvert', dispute_resolved: 'Litige résolu',
    flagged: 'Mis sous surveillance', unflagged: 'Surveillance levée', dunning_stopped: 'Relances suspendues',
    dunning_resumed: 'Relances reprises', dunning_override: 'Étape forcée', details_changed: 'Fiche modifiée',
    task_done: 'Action {step} faite', task_skipped: 'Action {step} ignorée', task_reached: 'Appel {step} : joint',
    task_no_answer: 'Appel {step} : pas de réponse', task_promise: 'Appel {step} : promesse',
    task_dispute: 'Appel {step} : litige',
  },
  channels: { email: 'e-mail', letter: 'courrier', phone: 'appel', other: 'autre' },
  // tasks
  myActions: 'Mes actions', noTask: 'Aucune action à faire. Bonne journée !', callScript: 'Script d’appel',
  callScriptText: 'Bonjour, {name}. Je vous appelle au sujet de {amount} échu depuis {days} jours. Pouvez-vous me dire quand le règlement sera effectué ?',
  outcomeDone: 'Fait', outcomeSkipped: 'Ignorer', outcomePromise: 'Promesse…', call: 'Appeler',
  openCard: 'Ouvrir la fiche', taskDone: 'Action terminée.',
  outcomeReached: 'Joint', outcomeNoAnswer: 'Pas de réponse', outcomeDispute: 'Litige…', phones: 'Numéros',
  attempts: 'Tentatives : {n}', attemptSaved: 'Tentative enregistrée : à rappeler.',
  tabCalls: 'Appels et tâches', tabLetters: 'Courriers à valider', tabMass: 'Actions groupées',
  tasksCount: '{n} action(s) à faire', lettersCount: '{n} courrier(s) à valider', noLetter: 'Aucun courrier à valider.',
  approveLetter: 'Valider : courrier posté', holdLetter: 'Ne pas envoyer', letterDone: 'Courrier traité.',
  formalNotice: 'Mise en demeure', invoiceCount: '{n} facture(s)', noAddress: 'Adresse postale manquante : complétez la fiche.',
  nav: { dashboard: 'Tableau de bord', customers: 'Clients', tasks: 'Mes actions', reminders: 'Relances envoyées', settings: 'Paramètres' },
  preferences: 'Préférences',
  error: 'Erreur', retry: 'Réessayer', notFound: 'Page introuvable.', sessionExpired: 'Votre session a expiré : reconnectez-vous.',
  chartLabel: 'Balance âgée par tranche de retard',
  score: 'Score', unrated: 'Non noté', notScored: 'Pas encore de score : il est calculé à la synchronisation.',
  scoreTitle: 'Note {grade}, score {score}/100 (plus il est haut, plus le client paie mal)',
  unratedTitle: 'Score {score}/100, non noté : historique trop court',
  paymentBehaviour: 'Comportement de paiement', scoreFactors: 'Facteurs du score',
  scoreHelp: 'Score sur 100 (plus haut = moins bon payeur), calculé sur {n} facture(s) réglée(s).',
  scoreTrend: 'Évolution du score, semaine par semaine : {points}',
  scoreDelta: '{delta} pts en 30 jours', scoreWorse: 'en hausse : le client paie moins bien',
  scoreBetter: 'en baisse : le client paie mieux', scoreSteady: 'stable sur 30 jours',
  scoreDeltaNone: 'Tendance : moins de 30 jours d’historique',
  points: '{n} pts',
  scoreFactorNames: {
    days_late: 'Retard moyen de paiement', late_share: 'Part des factures payées en retard', trend: 'Tendance récente',
    broken_promises: 'Promesses non tenues', disputes: 'Litiges', current_overdue: 'Retard actuel',
  },
  expectedPayment: 'Paiement attendu', expectedRange: 'entre le {from} et le {to}',
  predictionSources: {
    repositioned: 'date repositionnée', promise: 'promesse', customer: 'historique du client',
    peers: 'clients comparables', company: 'moyenne de la société', due_date: 'échéance',
  },
  cashForecast: 'Prévision d\'encaissements', forecastLabel: 'Encaissements attendus par semaine',
  forecastCaption: 'Encaissements attendus par semaine sur {total} ouverts ; au-delà : {beyond}.',
  noForecast: 'Aucune prévision pour l\'instant.', week: 'Semaine', expectedIn: 'Attendu',
  weekOf: 'Semaine du {date}', later: 'Au-delà',
  collectedIn: 'Encaissé', objective: 'Objectif',
  collectedCaption: 'Encaissé hier : {yesterday} ; ce mois : {month}. Barres : encaissé (foncé) et attendu ; trait rouge : objectif.',
  // DSO (V8)
  dso: { title: 'DSO (délai moyen de paiement)', method: 'Méthode : {m}', month: 'Mois', days: 'Jours',
    none: 'Pas encore de DSO : il est calculé à chaque synchronisation.', label: 'DSO par mois',
    methods: { count_back: 'épuisement du chiffre d\'affaires', simple: 'simple (encours / CA de 3 mois)' } },
}

const en = {
  app: 'Relance',
  skip: 'Skip to content',
  loading: 'Loading…',
  signIn: 'Sign in', signInTitle: 'Sign in to Relance', email: 'E-mail',
  signInButton: 'Sign in', signOut: 'Sign out', password: 'Password',
  localSignIn: 'Local demo sign-in (stands in for Cognito on this machine): pick a user or type an e-mail.',
  demoUsers: 'Demo users',
  role: { admin: 'Administrator', user: 'Collector', viewer: 'Read-only' },
  language: 'Language',
  readOnly: 'Read-only: you can look but not change.',
  outstanding: 'Total outstanding', overdue: 'Overdue', customersOverdue: '{n} customers overdue out of {total}',
  agedBalance: 'Aged balance', topDebtors: 'Top 10 debtors',
  dueToday: 'Actions due today', brokenPromises: 'Broken promises', openDisputes: 'Open disputes',
  promisesOpen: 'Open promises', flagged: 'Watched customers', alerts: 'Alerts',
  noAlerts: 'No alerts.', seeAll: 'See all', asOf: 'As of {date}',
  filters: 'Filters', company: 'Company', allCompanies: 'All companies',
  collector: 'Collector', allCollectors: 'All', salesperson: 'Salesperson', allSalespeople: 'All',
  buckets: { not_due: 'Not due', d1_30: '1-30 d', d31_60: '31-60 d', d61_90: '61-90 d', over_90: '> 90 d' },
  bucketsShort: { not_due: 'Not due', d1_30: '1-30', d31_60: '31-60', d61_90: '61-90', over_90: '>90' },
  alertKinds: {
    missing_email: 'Missing e-mail', missing_phone: 'Missing phone', missing_address: 'Missing address',
    no_reminder: 'Not to be reminded', override_ignored: 'Override ignored',
    portal_dispute: 'Dispute opened by the customer (portal)', portal_promise: 'Customer promise (portal)',
    portal_message: 'Customer message (portal)',
  },
  portalLink: 'Customer portal link', portalLinkMade: 'Customer portal link made (copied): {url}',
  search: 'Search (name, code, SIRET, e-mail)', customers: 'Customers', name: 'Name', number: 'Code',
  total: 'Outstanding', daysLate: 'Late', days: '{n} d', flags: 'Flags', profile: 'Profile',
  overdueOnly: 'Overdue only', flaggedOnly: 'Watched', disputedOnly: 'Disputed',
  brokenOnly: 'Broken promise', resultCount: '{n} customers', previous: 'Previous', next: 'Next',
  exportMenu: 'Export the list', exportCsvExcel: 'CSV for Excel', exportCsvStandard: 'Standard CSV', exportExcel: 'Excel workbook', exportDone: 'File {name} downloaded.',
  page: 'Page {page} of {pages}', exportCsv: 'Export (CSV for Excel)', noCustomer: 'No customer matches.', sortBy: 'Sort by {col}',
  flagWatch: 'Watched', flagDispute: 'Dispute', flagPromise: 'Promise', flagBroken: 'Broken promise',
  back: 'Back', contacts: 'Contacts', noContact: 'No contact.', openItems: 'Open invoices',
  toChase: 'To chase', disputedItems: 'Disputed', invoice: 'Invoice', dueDate: 'Due date', amount: 'Amount',
  promises: 'Promises', disputes: 'Disputes', comments: 'Comments', reminders: 'Reminders',
  timeline: 'Timeline', nothing: 'Nothing yet.', actions: 'Actions',
  recordPromise: 'Record a promise', promisedDate: 'Promised date', note: 'Note',
  openDispute: 'Open a dispute', reason: 'Reason', invoices: 'Invoices concerned', wholeAccount: 'whole account if none',
  resolve: 'Resolve', resolution: 'Resolution', addComment: 'Comment', comment: 'Comment',
  watch: 'Watch', unwatch: 'Stop watching', stopReminders: 'Stop reminders',
  stopReason: 'Why they stop', stopped: 'Reminders stopped', until: 'Until (optional)', lift: 'Resume reminders',
  sendReminder: 'Send a reminder', step: 'Step', send: 'Send', save: 'Save', cancel: 'Cancel',
  saved: 'Saved.', reminderSent: 'Reminder issued.', status: 'Status', by: 'by {who}', you: 'you',
  system: 'Relance', phone: 'Phone', mobile: 'Mobile',
  statuses: {
    open: 'open', kept: 'kept', partly_kept: 'partly kept', broken: 'broken', cancelled: 'cancelled',
    resolved: 'resolved', to_do: 'to do', done: 'done', skipped: 'skipped', queued: 'queued', sent: 'sent',
  },
  events: {
    invoice: 'Invoice', payment: 'Payment', reminder: 'Reminder {step}', comment: 'Comment',
    promise_made: 'Payment promise', promise_cancelled: 'Promise cancelled', promise_kept: 'Promise kept',
    promise_broken: 'Promise broken', dispute_opened: 'Dispute opened', dispute_resolved: 'Dispute resolved',
    flagged: 'Watched', unflagged: 'No longer watched', dunning_stopped: 'Reminders stopped',
    dunning_resumed: 'Reminders resumed', dunning_override: 'Step forced', details_changed: 'Details changed',
    task_done: 'Action {step} done', task_skipped: 'Action {step} skipped', task_reached: 'Call {step}: reached',
    task_no_answer: 'Call {step}: no answer', task_promise: 'Call {step}: promise',
    task_dispute: 'Call {step}: dispute',
  },
  channels: { email: 'e-mail', letter: 'letter', phone: 'call', other: 'other' },
  myActions: 'My actions', noTask: 'Nothing to do. Have a good day!', callScript: 'Call script',
  callScriptText: 'Hello, {name}. I am calling about {amount}, overdue for {days} days. Could you tell me when it will be paid?',
  outcomeDone: 'Done', outcomeSkipped: 'Skip', outcomePromise: 'Promise…', call: 'Call',
  openCard: 'Open the card', taskDone: 'Action completed.',
  outcomeReached: 'Reached', outcomeNoAnswer: 'No answer', outcomeDispute: 'Dispute…', phones: 'Numbers',
  attempts: 'Attempts: {n}', attemptSaved: 'Attempt recorded: call again.',
  tabCalls: 'Calls and tasks', tabLetters: 'Letters to approve', tabMass: 'Mass actions',
  tasksCount: '{n} action(s) to do', lettersCount: '{n} letter(s) to approve', noLetter: 'No letter to approve.',
  approveLetter: 'Approve: letter posted', holdLetter: 'Do not send', letterDone: 'Letter dealt with.',
  formalNotice: 'Formal notice', invoiceCount: '{n} invoice(s)', noAddress: 'Postal address missing: complete the card.',
  nav: { dashboard: 'Dashboard', customers: 'Customers', tasks: 'My actions', reminders: 'Reminders sent', settings: 'Settings' },
  preferences: 'Preferences',
  error: 'Error', retry: 'Try again', notFound: 'Page not found.', sessionExpired: 'Your session has expired: sign in again.',
  chartLabel: 'Aged balance by days late',
  score: 'Score', unrated: 'Not rated', notScored: 'No score yet: it is computed at the sync.',
  scoreTitle: 'Grade {grade}, score {score}/100 (the higher, the worse the payer)',
  unratedTitle: 'Score {score}/100, not rated: history too short',
  paymentBehaviour: 'Payment behaviour', scoreFactors: 'Score factors',
  scoreHelp: 'Score out of 100 (higher = worse payer), from {n} settled invoice(s).',
  scoreTrend: 'Score week by week: {points}',
  scoreDelta: '{delta} pts in 30 days', scoreWorse: 'up: the customer pays worse',
  scoreBetter: 'down: the customer pays better', scoreSteady: 'steady over 30 days',
  scoreDeltaNone: 'Trend: less than 30 days of history',
  points: '{n} pts',
  scoreFactorNames: {
    days_late: 'Average payment delay', late_share: 'Share of invoices paid late', trend: 'Recent trend',
    broken_promises: 'Broken promises', disputes: 'Disputes', current_overdue: 'Current overdue',
  },
  expectedPayment: 'Expected payment', expectedRange: 'between {from} and {to}',
  predictionSources: {
    repositioned: 'repositioned date', promise: 'promise', customer: 'customer history',
    peers: 'similar customers', company: 'company average', due_date: 'due date',
  },
  cashForecast: 'Cash-in forecast', forecastLabel: 'Expected cash-in by week',
  forecastCaption: 'Expected cash-in by week, out of {total} open; later: {beyond}.',
  noForecast: 'No forecast yet.', week: 'Week', expectedIn: 'Expected',
  weekOf: 'Week of {date}', later: 'Later',
  collectedIn: 'Collected', objective: 'Objective',
  collectedCaption: 'Collected yesterday: {yesterday}; this month: {month}. Bars: collected (dark) and expected; red mark: objective.',
  // DSO (V8)
  dso: { title: 'DSO (days sales outstanding)', method: 'Method: {m}', month: 'Month', days: 'Days',
    none: 'No DSO yet: it is computed at each sync.', label: 'DSO by month',
    methods: { count_back: 'count-back', simple: 'simple (receivables / 3 months\' sales)' } },
}

const WORDS = { fr, en }

/** More words, brought by a screen loaded on demand (settings, mass actions...). */
export function addWords(more) {
  for (const [language, words] of Object.entries(more)) {
    for (const [key, value] of Object.entries(words)) {
      const mine = WORDS[language][key]
      WORDS[language][key] = mine && typeof mine === 'object' && typeof value === 'object' ? { ...mine, ...value } : value
    }
  }
}
// en-GB, as the API: French companies' papers read day/month/year.
const LOCALES = { fr: 'fr-FR', en: 'en-GB' }

export const settings = {
  language: 'fr', time_zone: 'Europe/Paris', date_format: 'short', currency_display: 'symbol', version: 0,
}

export function applySettings(next) {
  Object.assign(settings, next)
  document.documentElement.lang = settings.language
  formats.clear()
}

export const locale = () => LOCALES[settings.language] || 'fr-FR'

/** The word at `key` ("nav.dashboard") in the user's language, with {placeholders} filled. */
export function t(key, values) {
  const pick = (words) => key.split('.').reduce((node, part) => (node == null ? node : node[part]), words)
  let text = pick(WORDS[settings.language]) ?? pick(fr) ?? key
  if (values) text = text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''))
  return text
}

const formats = new Map()
function format(kind, make) {
  const key = `${kind}|${locale()}|${settings.currency_display}|${settings.date_format}|${settings.time_zone}`
  if (!formats.has(key)) formats.set(key, make())
  return formats.get(key)
}

/** A decimal string (or number) as money, rounded to the cent for display only. */
export function money(value, currency = 'EUR', compact = false) {
  if (value == null || value === '') return '—'
  const fmt = format(`money-${currency}-${compact}`, () => new Intl.NumberFormat(locale(), {
    style: 'currency', currency, currencyDisplay: settings.currency_display,
    ...(compact ? { notation: 'compact', maximumFractionDigits: 1 } : {}),
  }))
  return fmt.format(Number(value))
}

export const number = (value) => format('number', () => new Intl.NumberFormat(locale())).format(value)

/** An ISO date (a calendar day: no time zone applies). */
export function day(iso) {
  if (!iso) return '—'
  const fmt = format('day', () => new Intl.DateTimeFormat(locale(), { dateStyle: settings.date_format, timeZone: 'UTC' }))
  return fmt.format(new Date(`${iso.slice(0, 10)}T00:00:00Z`))
}

/** A UTC timestamp, on the user's clock. */
export function moment(iso) {
  if (!iso) return '—'
  const stamp = /[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`
  const fmt = format('moment', () => new Intl.DateTimeFormat(locale(), {
    dateStyle: settings.date_format, timeStyle: 'short', timeZone: settings.time_zone,
  }))
  return fmt.format(new Date(stamp))
}

/** The message of an API error in the user's language. */
export function errorText(err) {
  const body = err && err.body && err.body.error
  if (body) return settings.language === 'fr' ? (body.message_fr || body.message) : body.message
  return (err && err.message) || t('error')
}
