// The fake POP3 servers of one test file, closed after each test. Apart from pop3-server.ts because that
// shim is also imported by the benchmarks, which run outside vitest.
import { afterEach } from 'vitest'
import { type FakePop3Script, type FakePop3Server, startFakePop3 } from './pop3-server.js'

/**
 * Returns `serve(script)`, which starts a fake (the test PKI's leaf unless the script names another) and
 * remembers it; every server it started is closed after each test. Call once at the top of a test file
 * or a describe block (it registers an afterEach hook there).
 */
export function fakePop3Servers(): (script: FakePop3Script) => Promise<FakePop3Server> {
  const servers: FakePop3Server[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })
  return async (script) => {
    const server = await startFakePop3(script)
    servers.push(server)
    return server
  }
}
