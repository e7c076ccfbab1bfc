// What a keychain failure means, in words a user can act on. A bare "the keychain refused the
// operation" does not tell a missing D-Bus session from a locked keyring or a broken native build
// (#16), so the backend's own error is kept as `cause` and summarised, on one line, in the message.

/** Longest excerpt of a backend's error quoted in a message. */
const MAX_CAUSE_CHARS = 200

/** The backend error as one printable line, bounded: control characters and line breaks become spaces. */
export function oneLineCause(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error)
  const line = raw
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  if (line === '') return 'no message'
  return line.length > MAX_CAUSE_CHARS ? `${line.slice(0, MAX_CAUSE_CHARS)}…` : line
}

// libsecret (keytar) and keyring-rs (napi-keyring) reach the Secret Service API over the D-Bus session
// bus. These are the errors GLib/GDBus and keyring-rs give when that bus or the service is missing.
const SECRET_SERVICE_FAILURE =
  /d-?bus|org\.freedesktop\.secrets|secret ?service|could not connect|autolaunch|platform storage|no such interface/i

/**
 * The reason for MUASTS_ERR_KEYCHAIN_UNAVAILABLE after `backend` failed `operation` with `error`.
 * Pure; `platform` is a parameter so the wording can be tested for every OS.
 */
export function keychainFailureReason(
  backend: string,
  operation: string,
  error: unknown,
  platform: NodeJS.Platform = process.platform,
): string {
  const cause = oneLineCause(error)
  const native = backend === 'keytar' || backend === 'napi-keyring'
  if (native && platform === 'linux' && SECRET_SERVICE_FAILURE.test(cause))
    return (
      `${backend} could not reach the Secret Service (org.freedesktop.secrets) over the D-Bus session bus ` +
      `during ${operation}: ${cause}. Run inside a desktop session, or start a keyring daemon such as ` +
      'gnome-keyring and set DBUS_SESSION_BUS_ADDRESS to its bus'
    )
  return `the keychain (${backend}) refused ${operation}: ${cause}`
}
