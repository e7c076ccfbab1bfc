// Confirm and what can go wrong there, each answered on the page in plain language:
//   - an item not ticked: said next to that item, and nothing is sent (the main process refuses too);
//   - a wrong password: said plainly, nothing pinned, the password field ready for another try;
//   - the account pinned elsewhere (a provider move): the move explained, and the one-step audited
//     replacement offered, which needs a reason the user picks or types;
//   - a server that hangs while the password is tested: Cancel (wizard:cancel) tears the guarded
//     connections down at once, the page says "Cancelled", and nothing is pinned.
import type { ConflictView } from '../src/ipc-schema.js'
import { $, clearProblem, fieldError, showProblem, status } from './page.js'
import { failureSentence, failuresSummary, SERVICE_NAME } from './plain-language.js'
import { el, markUnticked, pinRow } from './render.js'
import type { WizardClient } from './wizard-client.js'

const TRANSPORT: Readonly<Record<string, string>> = { 'implicit-tls': 'SSL/TLS', starttls: 'STARTTLS' }
const where = (e: ConflictView['pinned']): string =>
  `${e.host}:${e.port} (${TRANSPORT[e.transport] ?? e.transport})`

/** After pinning, the confirm form stays visible (what was acknowledged) but can no longer be used. */
export function lockConfirm(locked: boolean): void {
  for (const input of document.querySelectorAll<HTMLInputElement>('#confirm input')) input.disabled = locked
  const button = $<HTMLButtonElement>('#confirm-button')
  button.disabled = locked
  button.setAttribute('data-locked', String(locked))
  button.textContent = locked ? 'Pinned' : 'Test password and pin'
}

/** One line per changed service: what is pinned, and what setup found now. */
function showMove(conflicts: readonly ConflictView[]): void {
  $('#move-changes').replaceChildren(
    ...conflicts.map((c) => {
      const name = SERVICE_NAME[c.service] ?? c.service
      const same = where(c.pinned) === where(c.proposed)
      const text = same
        ? `${name}: still ${where(c.pinned)}, but its certificate or security settings changed.`
        : `${name}: set up with ${where(c.pinned)}; the servers found now are at ${where(c.proposed)}.`
      return el('li', { 'data-service': c.service }, text)
    }),
  )
  fieldError('#move-reason-error', undefined)
  $('#move').hidden = false
  $('#move').scrollIntoView()
}

/** The reason the user picked or typed, or undefined after asking for one inline. */
export function moveReason(): string | undefined {
  const picked = document.querySelector<HTMLInputElement>('input[name="move-reason"]:checked')?.value
  const reason = picked === 'other' ? $<HTMLInputElement>('#move-reason-other').value.trim() : picked
  if (reason === undefined || reason.length < 3) {
    fieldError('#move-reason-error', 'Choose or type a reason (a few words). It is kept in the audit log.')
    return undefined
  }
  fieldError('#move-reason-error', undefined)
  return reason
}

/** "Keep the old settings": nothing changes, and the new servers stay refused. */
export function keepOldSettings(): void {
  $('#move').hidden = true
  $<HTMLInputElement>('#password').value = ''
  status('Nothing was changed. This account keeps its settings; the new servers will not be used.')
}

/**
 * Checks the ticks and the password on the page, then asks the main process to test and pin (with
 * `replace` after the user chose to replace a conflicting setup). Does I/O through `client`.
 */
export async function confirmAndPin(
  client: WizardClient,
  sessionId: string,
  replace?: { reason: string },
): Promise<void> {
  clearProblem()
  const items = [...document.querySelectorAll<HTMLElement>('#acknowledgements .ack-item')]
  const boxes = [...document.querySelectorAll<HTMLInputElement>('input[name="ack"]')]
  const open = new Set(boxes.filter((b) => !b.checked).map((b) => b.value))
  markUnticked(items, open)
  const password = $<HTMLInputElement>('#password').value
  fieldError('#password-error', password === '' ? 'Enter the password of this mail account.' : undefined)
  if (open.size > 0 || password === '') {
    boxes.find((b) => open.has(b.value))?.focus()
    return status('Nothing was sent. Fix the items marked above first.')
  }
  const acknowledged = boxes.filter((b) => b.checked).map((b) => b.value)
  status('Testing your password through the guarded clients…')
  const cancel = $<HTMLButtonElement>('#confirm-cancel')
  cancel.hidden = false
  cancel.disabled = false
  const onCancel = (): void => {
    cancel.disabled = true
    void client.call('wizard:cancel', { sessionId }).catch(() => undefined)
  }
  cancel.addEventListener('click', onCancel)
  let result: Awaited<ReturnType<typeof client.call<'wizard:confirm'>>>
  try {
    result = await client.call('wizard:confirm', {
      sessionId,
      password,
      acknowledged,
      ...(replace === undefined ? {} : { replace }),
    })
  } finally {
    cancel.removeEventListener('click', onCancel)
    cancel.hidden = true
  }
  switch (result.status) {
    case 'cancelled':
      $<HTMLInputElement>('#password').value = ''
      return status('Cancelled. Nothing was saved.')
    case 'unacknowledged':
      markUnticked(items, new Set(result.items))
      return status('Nothing was sent. Fix the items marked above first.')
    case 'conflict':
      // The password stays in its field: replacing is the same confirmation, one decision later.
      showMove(result.conflicts)
      return status('Nothing was changed yet: decide below whether to replace the old settings.')
    case 'not-pinned': {
      $<HTMLInputElement>('#password').value = ''
      const lines = result.failures.map(
        (f) => `${SERVICE_NAME[f.service] ?? f.service}: the server ${failureSentence(f.code)}.`,
      )
      const codes = result.failures.map((f) => ({ code: f.code, text: `${f.service}: ${f.message}` }))
      showProblem(failuresSummary(result.failures.map((f) => f.code)), lines, codes)
      $<HTMLInputElement>('#password').focus()
      return status('Nothing was pinned.')
    }
    case 'pinned': {
      $<HTMLInputElement>('#password').value = ''
      $('#move').hidden = true
      const { pins } = await client.call('wizard:pins', { sessionId })
      $('#pins-table tbody').replaceChildren(...pins.map(pinRow))
      $('#pins').hidden = false
      lockConfirm(true)
      return status(
        result.replaced
          ? 'The old settings were replaced and the change was recorded. Every later connection must meet these commitments.'
          : 'Account added. Every later connection must meet these commitments.',
      )
    }
  }
}
