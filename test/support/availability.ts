// Interop suites need real system parts (Dovecot, gnome-keyring). On a developer machine without
// them the suite may skip; in CI a missing part is a broken CI image, and a skip would turn "we never
// tested against the real server" into a green run. So in CI this refuses to skip.

/** True when `CI` is set to anything but '', '0' or 'false' (the convention CI providers follow). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['CI']
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'
}

/**
 * Decides whether a suite that needs `what` runs. Returns true when it is available. When it is not:
 * outside CI returns false (the caller skips) and says why on stderr; in CI throws, so the test file
 * fails at collection with this message instead of being skipped.
 *
 * Usage: `describe.skipIf(!requireOrSkip(dovecotAvailable(), 'dovecot'))('…', () => { … })`
 */
export function requireOrSkip(
  available: boolean,
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (available) return true
  if (inCi(env)) {
    throw new Error(
      `${what} is not available, and CI must not skip its tests: install it in .ci/run ` +
        '(and run the suite through scripts/with-keyring.sh for the keyring)',
    )
  }
  process.stderr.write(`[interop] skipping tests that need ${what}: it is not available on this machine\n`)
  return false
}
