// DOM builders for the wizard. Server text only ever goes into textContent, never into HTML.
// One rule for colour: a green "Trusted" badge appears only on a proposed server (one that passed the
// checks). In the probe table the provenance is neutral text and the outcome is the only badge, so a
// refused candidate never shows green next to its red "refused".
import type { CandidateView, PinView, ProbeRow, ProposalView, WizardEvent } from '../src/ipc-schema.js'
import { latchesSentence } from './plain-language.js'

type Child = Node | string
/** Creates an element with attributes and children (strings become text nodes). */
export function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value)
  node.append(...children)
  return node
}

const SERVICE: Readonly<Record<string, string>> = {
  imap: 'IMAP',
  pop3: 'POP3',
  submission: 'SMTP submission',
}
const TRANSPORT: Readonly<Record<string, string>> = { 'implicit-tls': 'implicit TLS', starttls: 'STARTTLS' }
const STATUS_TEXT: Readonly<Record<string, string>> = {
  queued: 'queued',
  started: 'connecting…',
  'tls-ok': 'TLS up, reading capabilities…',
  compliant: 'meets the requirements',
  refused: 'refused',
  failed: 'unreachable',
  cancelled: 'skipped',
}

const endpoint = (v: { host: string; port: number }): string => `${v.host}:${v.port}`

function trustBadge(trust: CandidateView['trust']): HTMLElement {
  return el('span', { class: `badge ${trust.level}`, title: trust.reason }, trust.label)
}

/** Code-level detail (codes, tags) behind a closed "Details" toggle; plain language stays outside it. */
export function details(...lines: Child[]): HTMLElement {
  return el('details', { class: 'details' }, el('summary', {}, 'Details'), ...lines)
}

/** A probe-table row for a candidate, queued until its first event arrives. */
export function candidateRow(c: CandidateView): HTMLElement {
  const row = el(
    'tr',
    {
      'data-index': String(c.index),
      'data-host': c.host,
      'data-trust': c.trust.reason,
      'data-status': 'queued',
      'data-steps': '',
    },
    el('td', {}, SERVICE[c.service] ?? c.service),
    el('td', { class: 'mono' }, endpoint(c)),
    el('td', {}, TRANSPORT[c.transport] ?? c.transport),
    el('td', { class: 'found', title: c.trust.reason }, c.trust.found),
    el('td', { class: 'result' }, el('span', { class: 'status queued' }, 'queued')),
  )
  return row
}

/** Applies a live probe event (data-steps records which events arrived, in order). */
export function applyProbeEvent(row: HTMLElement, e: Extract<WizardEvent, { type: 'probe' }>): void {
  row.setAttribute('data-steps', `${row.getAttribute('data-steps') ?? ''} ${e.step}`.trim())
  if (e.step === 'started' || e.step === 'tls-ok') setStatus(row, e.step, e.tlsVersion)
  if (e.step === 'done' && e.status !== undefined) setResult(row, { index: e.index, ...pick(e) })
}

function pick(e: Extract<WizardEvent, { type: 'probe' }>): Omit<ProbeRow, 'index'> {
  return {
    status: e.status ?? 'failed',
    ...(e.tlsVersion === undefined ? {} : { tlsVersion: e.tlsVersion }),
    ...(e.code === undefined ? {} : { code: e.code }),
    ...(e.message === undefined ? {} : { message: e.message }),
  }
}

function setStatus(row: HTMLElement, status: string, tlsVersion?: string, problem?: ProbeRow): void {
  row.setAttribute('data-status', status)
  const cell = row.querySelector('.result') as HTMLElement
  const label = STATUS_TEXT[status] ?? status
  cell.replaceChildren(
    el('span', { class: `status ${status}` }, tlsVersion ? `${label} · ${tlsVersion}` : label),
  )
  if (problem?.message !== undefined) cell.append(el('div', { class: 'detail' }, problem.message))
  if (problem?.code !== undefined) cell.append(details(el('code', {}, problem.code)))
}

/** Final state of a row, from the `done` event or the probe call's answer. */
export function setResult(row: HTMLElement, r: ProbeRow): void {
  if (r.status === 'compliant') setStatus(row, r.status, r.tlsVersion)
  else setStatus(row, r.status, undefined, r)
}

/** One proposed service: endpoint, trust label, the requirements it will carry. */
export function serviceCard(s: ProposalView['services'][number]): HTMLElement {
  return el(
    'article',
    { class: 'service', 'data-service': s.service },
    el(
      'h3',
      {},
      `${SERVICE[s.service] ?? s.service}: `,
      el('span', { class: 'mono' }, endpoint(s)),
      ` · ${TRANSPORT[s.transport] ?? s.transport} · ${s.tlsVersion}`,
    ),
    el(
      'p',
      {},
      trustBadge(s.trust),
      ...(s.daneValidated ? [' ', el('span', { class: 'badge dane' }, 'DANE-validated')] : []),
    ),
    el('ul', { class: 'reasons' }, ...s.reasons.map((r) => el('li', {}, r))),
    el('p', { class: 'latches' }, `The server asks to always require: ${latchesSentence(s.latches)}`),
    details(`DEEP latches: ${s.latches.join(' ') || 'none'} · trust label: ${s.trust.reason}`),
  )
}

/**
 * A checkbox for one confirmation item; its value is the item id confirm() expects. The empty
 * `.field-error` slot right after it is where markUnticked() says why nothing happened.
 */
export function acknowledgement(id: string, message: string, n: number): HTMLElement {
  const errorId = `ack-error-${n}`
  const box = el('input', {
    type: 'checkbox',
    name: 'ack',
    value: id,
    id: `ack-${n}`,
    'aria-required': 'true',
    'aria-describedby': errorId,
  })
  return el(
    'div',
    { class: 'ack-item' },
    el('label', { class: 'ack', for: `ack-${n}` }, box, ` ${message}`),
    el('p', { class: 'field-error', id: errorId, hidden: '' }),
  )
}

/** Shows the inline message next to each unticked item (and clears it on the ticked ones). */
export function markUnticked(items: readonly HTMLElement[], open: ReadonlySet<string>): void {
  for (const item of items) {
    const box = item.querySelector('input[name="ack"]') as HTMLInputElement
    const error = item.querySelector('.field-error') as HTMLElement
    const missing = open.has(box.value)
    item.classList.toggle('missing', missing)
    box.setAttribute('aria-invalid', String(missing))
    error.hidden = !missing
    error.textContent = missing ? 'Please tick this box if you agree. Nothing is sent until you do.' : ''
  }
}

/** The candidates refused for security reasons (unreachable ones are not news). */
export function rejectedList(rejected: ProposalView['rejected']): HTMLElement {
  const refused = rejected.filter((r) => r.status === 'refused')
  if (refused.length === 0) return el('div')
  return el(
    'div',
    { class: 'not-used' },
    el('h3', {}, 'Not used'),
    el(
      'ul',
      {},
      ...refused.map((r) =>
        el(
          'li',
          { 'data-host': r.host },
          el('span', { class: 'mono' }, endpoint(r)),
          ` (${SERVICE[r.service] ?? r.service}, ${TRANSPORT[r.transport] ?? r.transport}): ${r.message} `,
          details(el('code', {}, r.code)),
        ),
      ),
    ),
  )
}

/** A row of the pinned-commitments table. */
export function pinRow(p: PinView): HTMLElement {
  return el(
    'tr',
    { 'data-service': p.service },
    el('td', {}, SERVICE[p.service] ?? p.service),
    el('td', { class: 'mono' }, endpoint(p)),
    el('td', {}, `${TRANSPORT[p.transport] ?? p.transport}, ${p.tlsFloor}+, valid certificate`),
    el(
      'td',
      { class: 'latches' },
      latchesSentence(p.latches),
      details(el('code', {}, p.latches.join(' ') || 'none')),
    ),
    el('td', { class: 'mono' }, p.statusUrl ?? '—'),
  )
}
