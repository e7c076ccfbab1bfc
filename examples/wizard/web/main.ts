// The wizard page: address → live probe → proposal → confirm → pinned commitments. It runs unchanged
// in Electron (the preload exposes `window.muaStsWizard`) and in a browser (HTTP + SSE bridge).
import './style.css'
import type { RawWizardBridge, WizardEvent } from '../src/ipc-schema.js'
import { connectHttpBridge } from './http-bridge-client.js'
import {
  acknowledgement,
  applyProbeEvent,
  candidateRow,
  el,
  pinRow,
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

const $ = <T extends HTMLElement>(selector: string): T => document.querySelector(selector) as T
const status = (text: string): void => {
  $('#status').textContent = text
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

/** After pinning, the confirm form stays visible (what was acknowledged) but can no longer be used. */
function lockConfirm(locked: boolean): void {
  for (const input of document.querySelectorAll<HTMLInputElement>('#confirm input')) input.disabled = locked
  const button = $<HTMLButtonElement>('#confirm-button')
  button.disabled = locked
  button.setAttribute('data-locked', String(locked))
  button.textContent = locked ? 'Pinned' : 'Test password and pin'
}

async function findServers(client: WizardClient, email: string): Promise<void> {
  for (const id of ['#probe', '#proposal', '#confirm', '#pins']) $(id).hidden = true
  lockConfirm(false)
  status('Looking up servers…')
  const found = await client.call('wizard:discover', { email })
  sessionId = found.sessionId
  $('#domain').textContent = `for ${found.domain}`
  $('#probe-table tbody').replaceChildren(...found.candidates.map(candidateRow))
  $('#probe').hidden = false
  if (found.candidates.length === 0) return status(`No servers found for ${found.domain}.`)
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
  $('#acknowledgements').replaceChildren(...items.map((c) => acknowledgement(c.id, c.message)))
  $('#proposal').hidden = false
  $('#confirm').hidden = proposal.services.length === 0
  status(proposal.services.length === 0 ? 'No server met the requirements.' : 'Review and confirm.')
}

async function confirmAndPin(client: WizardClient): Promise<void> {
  if (sessionId === undefined) return
  const password = $<HTMLInputElement>('#password').value
  const acknowledged = [...document.querySelectorAll<HTMLInputElement>('input[name="ack"]:checked')].map(
    (box) => box.value,
  )
  status('Testing your password through the guarded clients…')
  const result = await client.call('wizard:confirm', { sessionId, password, acknowledged })
  $<HTMLInputElement>('#password').value = ''
  if (result.status === 'not-pinned') {
    return status(`Nothing was pinned. ${result.failures.map((f) => `${f.service}: ${f.message}`).join(' ')}`)
  }
  const { pins } = await client.call('wizard:pins', { sessionId })
  $('#pins-table tbody').replaceChildren(...pins.map(pinRow))
  $('#pins').hidden = false
  lockConfirm(true)
  status('Account added. Every later connection must meet these commitments.')
}

/** Runs one step with its button disabled; errors end up in the status line with their code. */
function guarded(work: () => Promise<void>, button?: string): void {
  const b = button === undefined ? undefined : $<HTMLButtonElement>(button)
  if (b !== undefined) b.disabled = true
  work()
    .catch((error: unknown) => {
      status(error instanceof WizardCallError ? `${error.code}: ${error.message}` : String(error))
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
    guarded(() => findServers(client, $<HTMLInputElement>('#email').value), '#find')
  })
  $('#confirm').addEventListener('submit', (event) => {
    event.preventDefault()
    guarded(() => confirmAndPin(client), '#confirm-button')
  })
  document.body.setAttribute('data-ready', 'true')
}

guarded(start)
