// Polls until a condition holds: for tests that must act while a connect is stalled in a known phase
// (the server's log shows it got there), with a bound so a wrong expectation fails instead of hanging.

/** Resolves once `ready()` is true; rejects after `ms` naming `what`. Polls every 10 ms. */
export async function until(ready: () => boolean, what: string, ms = 5_000): Promise<void> {
  const started = Date.now()
  while (!ready()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
