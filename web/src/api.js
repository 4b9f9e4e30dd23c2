// The documented API, and nothing else: every call carries the signed-in user's token.
import { t } from './i18n.js'

const TOKEN_KEY = 'relance.token'
let config = { api: '', auth: 'local', signIn: '/local/sign-in' }
let onSignedOut = () => {}

export async function loadConfig() {
  const answer = await fetch('config.json', { cache: 'no-cache' })
  if (answer.ok) config = { ...config, ...(await answer.json()) }
  return config
}

export const getConfig = () => config
export const token = () => sessionStorage.getItem(TOKEN_KEY)
export const whenSignedOut = (callback) => { onSignedOut = callback }

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY)
  onSignedOut()
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`)
    this.status = status
    this.body = body
  }
  /** The invalid fields' paths, for putting the message beside the input. */
  get fields() {
    const details = this.body && this.body.error && this.body.error.details
    return Array.isArray(details) ? details.map((d) => d.where) : []
  }
}

async function parse(answer) {
  const text = await answer.text()
  try { return text ? JSON.parse(text) : null } catch { return { error: { message: text, message_fr: text } } }
}

export async function api(method, path, body, extraHeaders = {}) {
  const headers = { Accept: 'application/json', ...extraHeaders }
  const current = token()
  if (current) headers.Authorization = `Bearer ${current}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const answer = await fetch(config.api + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  })
  const data = await parse(answer)
  if (answer.status === 401 && current) {
    sessionStorage.removeItem(TOKEN_KEY)
    onSignedOut(t('sessionExpired'))
  }
  if (!answer.ok) throw new ApiError(answer.status, data)
  return data
}

export const get = (path) => api('GET', path)

/** A file the API answers (an export), with the signed-in user's token: { blob, name }. */
export async function getFile(path, accept) {
  const answer = await fetch(config.api + path, { headers: { Accept: accept, Authorization: `Bearer ${token()}` } })
  if (!answer.ok) throw new ApiError(answer.status, await parse(answer))
  const disposition = answer.headers.get('Content-Disposition') || ''
  const name = (disposition.match(/filename="?([^";]+)"?/) || [])[1] || 'export'
  return { blob: await answer.blob(), name }
}

/** A creation that may be retried safely: the same key makes the same record once. */
export const create = (path, body) => api('POST', path, body, { 'Idempotency-Key': crypto.randomUUID() })

/** The local stand-in for Cognito (local/website.py): an e-mail in, a token out. */
export async function signInLocal(email) {
  const answer = await fetch(config.signIn, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email }),
  })
  const data = await parse(answer)
  if (!answer.ok) throw new ApiError(answer.status, data)
  sessionStorage.setItem(TOKEN_KEY, data.token)
}

/** Cognito's sign-in, the same form in AWS (config auth "cognito": region, clientId): the
 * InitiateAuth call with USER_PASSWORD_AUTH over fetch, no SDK; the ID token carries the
 * tenant and role claims the API reads. NOT TESTED here: the local server signs with its
 * own key and moto's Cognito is not wired into the browser tests. */
export async function signInCognito(email, password) {
  const endpoint = config.cognitoEndpoint || `https://cognito-idp.${config.region}.amazonaws.com/`
  const answer = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
    body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: config.clientId, AuthParameters: { USERNAME: email, PASSWORD: password } }),
  })
  const data = await parse(answer)
  if (!answer.ok) {
    const why = (data && (data.message || data.__type)) || `HTTP ${answer.status}`
    throw new ApiError(answer.status, { error: { message: why, message_fr: why } })
  }
  if (!data.AuthenticationResult) {
    // NEW_PASSWORD_REQUIRED and other challenges: done in Cognito's hosted pages for now.
    const why = `Cognito asks for ${data.ChallengeName}`
    throw new ApiError(409, { error: { message: why, message_fr: `Cognito demande : ${data.ChallengeName}` } })
  }
  sessionStorage.setItem(TOKEN_KEY, data.AuthenticationResult.IdToken)
}

export async function localLogins() {
  if (config.auth !== 'local') return []
  const answer = await fetch(config.signIn)
  return answer.ok ? (await answer.json()).users : []
}

export const query = (params) => {
  const kept = Object.entries(params).filter(([, v]) => v !== '' && v != null && v !== false)
  return kept.length ? `?${new URLSearchParams(kept)}` : ''
}
