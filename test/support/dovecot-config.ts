// Renders the standalone dovecot.conf for one test instance. Nothing comes from /etc/dovecot, so the
// instance depends only on the Dovecot binaries and not on the system's mail configuration.
// Checked against Dovecot 2.3.19 (`doveconf -c <file> -n` accepts it).
import type { DovecotOptions, DovecotPorts } from './dovecot.js'

/** Dovecot refuses mail access as root (UID 0); mail is owned by nobody:nogroup instead. */
export const MAIL_UID = 65534
export const MAIL_GID = 65534

// Values are pasted into dovecot.conf and a passwd-file, so reject what would change their syntax.
export function checkConfigValue(name: string, value: string, forbidden: RegExp): string {
  if (value === '' || forbidden.test(value)) {
    throw new Error(`startDovecot: options.${name} must be non-empty and must not match ${forbidden}`)
  }
  return value
}

export type Layout = {
  dir: string
  conf: string
  logPath: string
  certPath: string
  keyPath: string
  mailDir: string
}

export function renderConfig(
  l: Layout,
  ports: DovecotPorts,
  relayPort: number,
  o: Required<DovecotOptions>,
): string {
  const deep =
    o.deepStatus === ''
      ? []
      : [
          // The ID response (RFC 2971) carries the DEEP status as field "deep". The value becomes an
          // IMAP quoted string, which is why startDovecot refuses '"' and '\' in it.
          'imap_capability = +DEEP',
          `imap_id_send = name * "deep" "${o.deepStatus}"`,
        ]
  return [
    `base_dir = ${l.dir}/run`,
    `state_dir = ${l.dir}/state`,
    `log_path = ${l.logPath}`,
    'protocols = imap pop3 submission',
    'listen = 127.0.0.1',
    'hostname = mail.example.test',
    'ssl = required',
    `ssl_cert = <${l.certPath}`,
    `ssl_key = <${l.keyPath}`,
    'ssl_min_protocol = TLSv1.2',
    'disable_plaintext_auth = yes',
    'auth_mechanisms = plain login',
    'auth_verbose = yes',
    // No fixed 2 s wait before a failed login's reply. Dovecot's anvil auth penalty still delays
    // later logins from 127.0.0.1 after a failure: test wrong passwords on their own instance.
    'auth_failure_delay = 0',
    'mail_max_userip_connections = 100',
    `mail_location = maildir:${l.mailDir}`,
    ...deep,
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${l.dir}/passwd`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=${MAIL_UID} gid=${MAIL_GID} home=${l.mailDir}`,
    '}',
    ...listeners('imap-login', 'imap', ports.imap, 'imaps', ports.imaps),
    ...listeners('pop3-login', 'pop3', ports.pop3, 'pop3s', ports.pop3s),
    ...listeners('submission-login', 'submission', ports.submission, 'submissions', ports.submissions),
    // Dovecot submission is a proxy: after AUTH it opens its own SMTP session to this relay.
    'submission_relay_host = 127.0.0.1',
    `submission_relay_port = ${relayPort}`,
    'submission_relay_trusted = yes',
    o.extraConfig,
    '',
  ].join('\n')
}

function listeners(
  service: string,
  plain: string,
  plainPort: number,
  tls: string,
  tlsPort: number,
): string[] {
  return [
    `service ${service} {`,
    `  inet_listener ${plain} {\n    port = ${plainPort}\n  }`,
    `  inet_listener ${tls} {\n    port = ${tlsPort}\n    ssl = yes\n  }`,
    '}',
  ]
}
