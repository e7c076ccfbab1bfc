// Steps and reads the wizard's end-to-end tests share: drive the page the way a person does (type,
// click, tick), and read back what the page shows. Selectors are the page's ids and data attributes.
import type { Page } from 'playwright-core'

// Strings evaluated in the page: the workspace tsconfig has no DOM typings.
// Every probe row's last step is `done`: no row is left whose steps end otherwise. A selector, not a
// waitForFunction predicate: the page's CSP forbids eval, which Playwright needs to poll a predicate.
const ROW_NOT_DONE = '#probe-table tbody tr:not([data-steps="done"]):not([data-steps$=" done"])'

export type RowState = { host: string; status: string; trust: string; steps: string[]; text: string }

/** Opens the page and waits until its script wired the forms. */
export async function openWizard(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await page.waitForSelector('body[data-ready="true"]')
}

/** Types the address and waits for the proposal, every probe row having seen its `done` event. */
export async function findServers(page: Page, email: string): Promise<void> {
  await page.fill('#email', email)
  await page.click('#find')
  await waitForProposal(page)
}

/**
 * Waits for the proposal and for every probe row's `done` event (events and answers travel on
 * different connections). Fails at once, with the page's words, if the problem box shows instead.
 */
export async function waitForProposal(page: Page): Promise<void> {
  await page.waitForSelector('#proposal:not([hidden]), #problem:not([hidden])')
  if (await page.isVisible('#problem'))
    throw new Error(`the page shows: ${await page.textContent('#problem')}`)
  await page.waitForSelector(ROW_NOT_DONE, { state: 'detached' })
}

export const probeRows = (page: Page): Promise<RowState[]> =>
  page.$$eval('#probe-table tbody tr', (trs) =>
    trs.map((tr) => ({
      host: tr.getAttribute('data-host') ?? '',
      status: tr.getAttribute('data-status') ?? '',
      trust: tr.getAttribute('data-trust') ?? '',
      steps: (tr.getAttribute('data-steps') ?? '').split(' ').filter(Boolean),
      text: tr.textContent ?? '',
    })),
  )

export const serviceCards = (page: Page): Promise<Array<{ service: string; text: string }>> =>
  page.$$eval('#services article', (list) =>
    list.map((a) => ({ service: a.getAttribute('data-service') ?? '', text: a.textContent ?? '' })),
  )

/**
 * Where a green "trusted" badge or a green outcome sits next to a red "refused" in one item (a probe
 * row or a "Not used" entry); the page must never show that, so this returns [] on a correct page.
 */
export const greenNextToRed = (page: Page): Promise<string[]> =>
  page.$$eval('#probe-table tbody tr, #rejected li', (items) =>
    items
      .filter(
        (item) =>
          (item.getAttribute('data-status') === 'refused' || item.closest('#rejected') !== null) &&
          item.querySelector('.badge.trusted, .status.compliant') !== null,
      )
      .map((item) => item.textContent ?? ''),
  )

/** Text a person can see (closed <details> contents excluded). */
// biome-ignore lint/performance/useDomNodeTextContent: rendered text is the point (closed <details> hidden)
export const visibleText = (page: Page, selector: string): Promise<string> => page.innerText(selector)
