// The page's few shared pieces: element lookup, the status line, and the problem box, which says what
// went wrong in plain language and keeps codes behind a closed "Details" toggle.
import { details, el } from './render.js'

export const $ = <T extends HTMLElement>(selector: string): T => document.querySelector(selector) as T

export function status(text: string): void {
  $('#status').textContent = text
}

/** One technical line for the Details toggle: a code and, optionally, what it concerned. */
export type ProblemDetail = { readonly code: string; readonly text?: string }

/** Shows `summary` (and plain `lines`) in the alert box; `codes` go behind "Details". */
export function showProblem(
  summary: string,
  lines: readonly string[],
  codes: readonly ProblemDetail[],
): void {
  const box = $('#problem')
  const technical = codes.map((d) =>
    el('li', {}, el('code', {}, d.code), ...(d.text === undefined ? [] : [` ${d.text}`])),
  )
  box.replaceChildren(
    el('p', { class: 'summary' }, summary),
    ...(lines.length === 0 ? [] : [el('ul', {}, ...lines.map((l) => el('li', {}, l)))]),
    ...(technical.length === 0 ? [] : [details(el('ul', {}, ...technical))]),
  )
  box.hidden = false
}

export function clearProblem(): void {
  $('#problem').replaceChildren()
  $('#problem').hidden = true
}

/** Sets or clears the inline message of one field (`<p class="field-error">` next to it). */
export function fieldError(id: string, text: string | undefined): void {
  const p = $(id)
  p.textContent = text ?? ''
  p.hidden = text === undefined
}
