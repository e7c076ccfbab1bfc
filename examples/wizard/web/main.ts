// The wizard page: address → live probe → proposal → confirm → pinned commitments, with the ways out
// when something goes wrong (servers entered by hand, a wrong password, an unticked item, a provider
// move). It runs unchanged in Electron (the preload exposes `window.muaStsWizard`) and in a browser
// (HTTP + SSE bridge). Errors are worded for people; their codes sit behind a "Details" toggle.
import './style.css'
import type { DiscoverResponse, ManualServer, RawWizardBridge, WizardEvent } from '../src/ipc-schema.js'
import { confirmAndPin, keepOldSettings, lockConfirm, moveReason } from './confirm-flow.js'
import { connectHttpBridge } from './http-bridge-client.js'
import { openManualEntry, setUpManualEntry } from './manual-entry.js'
import { $, clearProblem, fieldError, showProblem, status } from './page.js'
import { errorSentence } from './plain-language.js'
import {
  acknowledgement,
  applyProbeEvent,
  candidateRow,
  el,
  rejectedList,
  serviceCard,
  setResult,
} from './render.js'
import { WizardCallError, type WizardClient, wizardClient } from './wizard-client.js'

declare global {
  interface Window {
    readonly muaStsWizard?: RawWizardBridge
  }
}

let sessionId: string | undefined

function onEvent(e: WizardEvent): void {
  if (e.type === 'report') {
    const where = `${e.host}:${e.port}`
    $('#alerts').append(
      el('li', {}, `Refused ${e.service} connection to ${where}: ${e.explanations.join(' ')}`),
    )
    return
  }
  if (e.sessionId !== sessionId) return
  const row = document.querySelector<HTMLElement>(`#probe-table tr[data-index="${e.index}"]`)
  if (row !== null) applyProbeEvent(row, e)
}

const STEPS = ['#probe', '#manual', '#proposal', '#confirm', '#move', '#pins']

async function findServers(client: WizardClient, email: string): Promise<void> {
  for (const id of STEPS) $(id).hidden = true
  clearProblem()
  lockConfirm(false)
  status('Looking up servers…')
  const found = await client.call('wizard:discover', { email })
  sessionId = found.sessionId
  $('#domain').textContent = `for ${found.domain}`
  if (found.candidates.length === 0) {
    openManualEntry(`No mail servers were found for ${found.domain}.`)
    return status('No servers found. You can enter them yourself.')
  }
  await checkServers(client, found)
}

/** Probes the session's candidates (live), then shows the proposal and what to confirm. */
async function checkServers(client: WizardClient, found: DiscoverResponse): Promise<void> {
  if (sessionId === undefined) return
  for (const id of ['#proposal', '#confirm', '#move', '#pins']) $(id).hidden = true
  $('#probe-table tbody').replaceChildren(...found.candidates.map(candidateRow))
  $('#probe').hidden = false
  status('Checking each server over TLS, without your password…')
  const probed = await client.call('wizard:probe', { sessionId })
  for (const r of probed.rows) {
    const row = document.querySelector<HTMLElement>(`#probe-table tr[data-index="${r.index}"]`)
    if (row !== null) setResult(row, r)
  }
  const proposal = await client.call('wizard:propose', { sessionId })
  $('#services').replaceChildren(...proposal.services.map(serviceCard))
  $('#missing').replaceChildren(...proposal.missing.map((m) => el('li', {}, m.message)))
  $('#rejected').replaceChildren(rejectedList(proposal.rejected))
  const items = proposal.services.flatMap((s) => s.confirmations)
  $('#acknowledgements').replaceChildren(...items.map((c, n) => acknowledgement(c.id, c.message, n)))
  fieldError('#password-error', undefined)
  $('#proposal').hidden = false
  $('#confirm').hidden = proposal.services.length === 0
  if (proposal.services.length === 0) {
    openManualEntry('None of the servers could be used. Check the settings, or enter others.')
    return status('No server met the requirements. You can enter the servers yourself.')
  }
  status('Review and confirm.')
}

/** Adds the typed-in servers to the session, then checks them like found ones. */
async function enterServers(client: WizardClient, servers: ManualServer[]): Promise<void> {
  if (sessionId === undefined) return
  clearProblem()
  let found: DiscoverResponse
  try {
    found = await client.call('wizard:manual', { sessionId, servers })
  } catch (error) {
    if (error instanceof WizardCallError && error.code === 'MUASTS_ERR_INVALID_OPTION') {
      fieldError('#manual-error', 'Check the server names and ports: one of them is not valid.')
    }
    throw error
  }
  $('#manual').hidden = true
  await checkServers(client, found)
}

/** Runs one step with its button disabled; errors go to the problem box, their code behind Details. */
function guarded(work: () => Promise<void>, button?: string, words: Record<string, string> = {}): void {
  const b = button === undefined ? undefined : $<HTMLButtonElement>(button)
  if (b !== undefined) b.disabled = true
  work()
    .catch((error: unknown) => {
      const code = error instanceof WizardCallError ? error.code : 'MUASTS_ERR_INTERNAL'
      const message = error instanceof Error ? error.message : String(error)
      showProblem(errorSentence(code, words), [], [{ code, text: message }])
      status('')
    })
    .finally(() => {
      if (b !== undefined && b.getAttribute('data-locked') !== 'true') b.disabled = false
    })
}

async function start(): Promise<void> {
  const client = wizardClient(window.muaStsWizard ?? (await connectHttpBridge()))
  client.onEvent(onEvent)
  $('#address-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const email = $<HTMLInputElement>('#email').value
    guarded(() => findServers(client, email), '#find', {
      MUASTS_ERR_INVALID_OPTION: 'That does not look like an email address. Check it and try again.',
    })
  })
  setUpManualEntry((servers) => guarded(() => enterServers(client, servers), '#manual-check'))
  $('#manual-open').addEventListener('click', () =>
    openManualEntry('You can use other servers than those found.'),
  )
  $('#confirm').addEventListener('submit', (event) => {
    event.preventDefault()
    if (sessionId !== undefined) guarded(() => confirmAndPin(client, sessionId as string), '#confirm-button')
  })
  $('#move-replace').addEventListener('click', () => {
    const reason = moveReason()
    if (reason !== undefined && sessionId !== undefined)
      guarded(() => confirmAndPin(client, sessionId as string, { reason }), '#move-replace')
  })
  $('#move-keep').addEventListener('click', keepOldSettings)
  document.body.setAttribute('data-ready', 'true')
}

guarded(start)
