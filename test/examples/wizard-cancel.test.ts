// examples/wizard's Cancel in headless Chromium (issue #16 item 2): the password test hangs on a server
// that completed the TLS handshake and then says nothing; the user clicks Cancel, the page says
// "Cancelled", the hanging connection is closed, no LOGIN or password reached the server, and nothing
// was pinned.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chromiumAvailable } from '../../examples/wizard/test-support/chromium.js'
import { type Harness, startHarness } from '../../examples/wizard/test-support/harness.js'
import {
  type StallingImapServer,
  startStallingImap,
} from '../../examples/wizard/test-support/stalling-imap-server.js'
import { carriesSecret } from '../../examples/wizard/test-support/wire-log.js'
import { waitForProposal } from '../../examples/wizard/test-support/wizard-page.js'
import { requireOrSkip } from '../support/availability.js'

describe.skipIf(!requireOrSkip(chromiumAvailable(), 'chromium'))('examples/wizard Cancel', () => {
  let h: Harness
  let hanging: StallingImapServer
  beforeEach(async () => {
    h = await startHarness()
    hanging = await startStallingImap(h.demo.pki.good)
  })
  afterEach(async () => {
    await hanging?.close()
    await h?.close()
  })

  it('cancels a hanging password test: "Cancelled", no LOGIN sent, nothing pinned', async () => {
    const { page, demo, app } = h
    const carol = demo.unlisted
    await page.fill('#email', carol.user)
    await page.click('#find')
    await page.waitForSelector('#manual:not([hidden])')
    await page.selectOption('#manual-incoming-service', 'imap')
    await page.selectOption('#manual-incoming-transport', 'implicit-tls')
    await page.fill('#manual-incoming-host', carol.host)
    await page.fill('#manual-incoming-port', String(hanging.port))
    await page.click('#manual-check')
    await waitForProposal(page)
    for (const box of await page.$$('input[name="ack"]')) await box.check()
    await page.fill('#password', carol.pass)
    expect(await page.isHidden('#confirm-cancel')).toBe(true)

    await page.click('#confirm-button')
    await page.waitForSelector('#confirm-cancel:not([hidden])')
    await hanging.handshake(1) // connection 0 was the probe's; 1 is the password test, now hanging
    await page.click('#confirm-cancel')
    // A selector, not waitForFunction: the page's CSP forbids eval, which a string predicate needs once it
    // is polled (it only passed when the text was already there at the first look).
    await page.waitForSelector('#status:text-is("Cancelled. Nothing was saved.")')
    await hanging.closed(1)

    expect(await page.isHidden('#confirm-cancel')).toBe(true)
    expect(await page.isHidden('#problem')).toBe(true)
    expect(await page.inputValue('#password')).toBe('')
    const afterTls = hanging.received[1] ?? Buffer.alloc(0)
    expect(afterTls.toString('latin1')).not.toMatch(/LOGIN|AUTHENTICATE/i)
    expect(carriesSecret(afterTls, carol.pass)).toBe(false)
    expect(await app.store.list()).toEqual([])
    // The form is usable again (nothing was pinned, so nothing locked it).
    expect(await page.isEnabled('#confirm-button')).toBe(true)
  })
})
