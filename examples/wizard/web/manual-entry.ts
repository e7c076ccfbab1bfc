// The "enter your servers" form, for when discovery found nothing or nothing that works. It only
// collects service, host, port and security per server; the main process turns them into candidates
// labelled "entered by you" (setup's manualCandidate), and they are probed and checked like any other.
import type { ManualServer } from '../src/ipc-schema.js'
import { $, fieldError } from './page.js'

// RFC 8314 §3.3 / §7.3 (implicit TLS: 993, 995, 465) and RFC 6409 §3.1 / RFC 3501 / RFC 1939 for STARTTLS.
const DEFAULT_PORT: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  imap: { 'implicit-tls': 993, starttls: 143 },
  pop3: { 'implicit-tls': 995, starttls: 110 },
  submission: { 'implicit-tls': 465, starttls: 587 },
}
const ALL_DEFAULTS = new Set(Object.values(DEFAULT_PORT).flatMap((p) => Object.values(p)))

type Fieldset = {
  readonly service: string
  readonly host: string
  readonly port: string
  readonly transport: string
}

function fieldset(prefix: string): HTMLFieldSetElement {
  return $<HTMLFieldSetElement>(`#manual-${prefix}`)
}

function read(set: HTMLFieldSetElement): Fieldset {
  const value = (name: string): string =>
    (set.querySelector(`[name="${name}"]`) as HTMLInputElement | HTMLSelectElement).value
  return {
    service: value('service'),
    host: value('host').trim(),
    port: value('port'),
    transport: value('transport'),
  }
}

/** Fills in the usual port when the protocol or security changes, unless the user typed another. */
function suggestPorts(set: HTMLFieldSetElement): void {
  const port = set.querySelector('[name="port"]') as HTMLInputElement
  const update = (): void => {
    const { service, transport } = read(set)
    const usual = DEFAULT_PORT[service]?.[transport]
    if (usual !== undefined && (port.value === '' || ALL_DEFAULTS.has(Number(port.value))))
      port.value = String(usual)
  }
  for (const select of set.querySelectorAll('select')) select.addEventListener('change', update)
  update()
}

/** Wires the form; `submit` gets the servers once they are complete. */
export function setUpManualEntry(submit: (servers: ManualServer[]) => void): void {
  suggestPorts(fieldset('incoming'))
  suggestPorts(fieldset('outgoing'))
  $('#manual').addEventListener('submit', (event) => {
    event.preventDefault()
    const servers = readServers()
    if (servers !== undefined) submit(servers)
  })
}

/** Shows the form, saying why (e.g. "No servers were found for unlisted.test."). */
export function openManualEntry(why: string): void {
  $('#manual-why').textContent = why
  fieldError('#manual-error', undefined)
  $('#manual').hidden = false
}

/** The complete rows of the form, or undefined after saying inline what is missing. */
function readServers(): ManualServer[] | undefined {
  const rows = [read(fieldset('incoming')), read(fieldset('outgoing'))].filter((r) => r.host !== '')
  if (rows.length === 0) {
    fieldError('#manual-error', 'Enter at least one server name.')
    return undefined
  }
  const servers: ManualServer[] = []
  for (const r of rows) {
    const port = Number(r.port)
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      fieldError('#manual-error', `The port for ${r.host} must be a number from 1 to 65535.`)
      return undefined
    }
    servers.push({
      service: r.service as ManualServer['service'],
      host: r.host,
      port,
      transport: r.transport as ManualServer['transport'],
    })
  }
  fieldError('#manual-error', undefined)
  return servers
}
