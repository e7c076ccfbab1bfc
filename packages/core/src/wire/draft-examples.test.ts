// The drafts' own protocol examples (DEEP -04 §7.1–7.3, MUA-STS -05 §9.1–9.3), verbatim from
// ../shared/docs/deep-examples.md: each line is parsed and rendered back byte-exact, and where this
// SDK would send the line itself, its own output is compared with the draft's. Every difference on
// purpose is listed in docs/reference/wire-formats.md ("Divergences from the drafts' examples").
import { describe, expect, it } from 'vitest'
import { createObservation } from '../model/observation.js'
import { buildFailureInBand, buildInBand, idFieldsFor } from '../report/in-band.js'
import { goodObservation, sampleCommitment } from '../testing/fixtures.js'
import { parseDeepCapability, parseStsCapability } from './capabilities.js'
import { parseDeepStatus, renderDeepStatus } from './deep-status.js'
import { deepStatusFromId, type IdFields, parseIdParams, renderIdParams, stsPolicyFromId } from './imap-id.js'
import { parseClient04, renderClient04 } from './smtp-client-04.js'
import { parseClient05, renderClient05 } from './smtp-client-05.js'
import { parseStsPolicy, renderStsPolicy } from './sts-policy.js'

const DEMO_MAIL = { name: 'Demo Mail', version: '1.5' }
const DEMO_SUBMIT = { name: 'demo_submit', version: '1.5' }
const EX1_CAPS = ['IMAP4rev1', 'DEEP', 'ID', 'AUTH=PLAIN', 'AUTH=SCRAM-SHA-1']

/** `a001 ID (…)` → its parameter list; `* ID (…)` likewise. */
function idParams(line: string): string {
  const m = /^(?:C: a\d+|S: \*) ID (.*)$/.exec(line)
  if (m === null) throw new Error(`not an ID line: ${line}`)
  return m[1] as string
}

function parsedId(line: string): Record<string, string> {
  const r = parseIdParams(idParams(line))
  if (!r.ok) throw new Error(r.error.message)
  return r.value as Record<string, string>
}

function expectIdRoundTrip(line: string): IdFields {
  const fields = parsedId(line)
  expect(`${line.slice(0, line.indexOf(' ID ') + 4)}${renderIdParams(fields)}`).toBe(line)
  return fields
}

const expiredCert = goodObservation({
  certificate: { chainTrusted: false, chainError: 'CERT_HAS_EXPIRED', expired: true, nameMatch: null },
})

describe('DEEP -04 examples (deep-examples.md)', () => {
  it('Example 1: our passing-session ID is the draft line; the server ID parses', () => {
    const client =
      'C: a001 ID ("name" "Demo Mail" "version" "1.5" "latch" "tls11 tls-cert" "security-tags" "tls12")'
    const server =
      'S: * ID ("name" "Demo Server" "version" "1.7" "deep-status" "<https://www.example.com/security-support.html>")'
    expectIdRoundTrip(client)
    const status = deepStatusFromId(expectIdRoundTrip(server))
    const parsed = parseDeepStatus(status ?? '')
    expect(parsed).toMatchObject({
      ok: true,
      value: { tags: [], url: 'https://www.example.com/security-support.html' },
    })
    const c = sampleCommitment({ latches: ['tls-cert', 'tls11'] })
    const fields = idFieldsFor(buildInBand({ commitment: c, client: DEMO_MAIL }).idFields, EX1_CAPS)
    expect(`C: a001 ID ${renderIdParams(fields ?? {})}`).toBe(client)
  })

  it('Example 2: our failure ID is the draft line with the defined field name latch-fail', () => {
    const client = 'C: a001 ID ("name" "Demo Mail" "version" "1.5" "latch-failure" "tls-cert")'
    const server =
      'S: * ID ("name" "Demo Server" "version" "1.7" "deep-status" "tls11 <https://www.example.com/security-support.html>")'
    expectIdRoundTrip(client)
    expect(parseDeepStatus(deepStatusFromId(expectIdRoundTrip(server)) ?? '')).toMatchObject({
      ok: true,
      value: { tags: ['tls11'] },
    })
    const c = sampleCommitment({ latches: ['tls-cert', 'tls11'] })
    const inBand = buildFailureInBand('spec', { commitment: c, client: DEMO_MAIL }, expiredCert)
    const fields = idFieldsFor(inBand?.idFields ?? {}, EX1_CAPS)
    expect(`C: a001 ID ${renderIdParams(fields ?? {})}`).toBe(
      client.replace('"latch-failure"', '"latch-fail"'),
    )
    // The default mode says nothing to a server whose certificate failed.
    expect(
      buildFailureInBand('authenticated-only', { commitment: c, client: DEMO_MAIL }, expiredCert),
    ).toBeNull()
  })

  it('Example 3: the proxy line with `tls` parses and renders byte-exact (clients never send tls)', () => {
    const fields = expectIdRoundTrip(
      'C: a001 ID ("name" "Demo Mail" "version" "1.5" "latch" "tls11 tls-cert" "security-tags" "tls12" "tls" "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")',
    )
    expect(fields['tls']).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256')
    const server = expectIdRoundTrip(
      'S: * ID ("name" "Demo Server" "version" "1.7" "deep-status" "tls11 tls-cert <https://www.example.com/support.html>")',
    )
    const status = parseDeepStatus(deepStatusFromId(server) ?? '')
    expect(status.ok && renderDeepStatus(status.value)).toBe(
      'tls11 tls-cert <https://www.example.com/support.html>',
    )
    expect(buildInBand({ commitment: sampleCommitment(), client: DEMO_MAIL }).idFields).not.toHaveProperty(
      'tls',
    )
  })

  it('Example 4: the POP3 CAPA DEEP line parses and renders byte-exact', () => {
    const lines = ['TOP', 'SASL PLAIN SCRAM-SHA-1', 'RESP-CODES', 'PIPELINING', 'UIDL']
    const deep = 'DEEP tls11 tls12 <https://www.example.com/security-support.html>'
    const r = parseDeepCapability([...lines, deep])
    expect(r).toMatchObject({
      ok: true,
      value: { tags: ['tls11', 'tls12'], url: 'https://www.example.com/security-support.html' },
    })
    expect(r?.ok && `DEEP ${renderDeepStatus(r.value)}`).toBe(deep)
  })

  it('Example 5: the EHLO DEEP line parses; our CLIENT is the draft line byte-exact', () => {
    const ehlo = 'DEEP tls12 tls-cert <https://www.example.com/status.html>'
    const r = parseDeepCapability([
      'example.com',
      '8BITMIME',
      'PIPELINING',
      'DSN',
      'AUTH PLAIN LOGIN',
      ehlo,
      'BURL imap',
      'SIZE 0',
    ])
    expect(r?.ok && `DEEP ${renderDeepStatus(r.value)}`).toBe(ehlo)
    const line = 'CLIENT name=demo_submit version=1.5 latch=tls11,tls-cert security-tags=tls12'
    const parsed = parseClient04(line)
    expect(parsed.ok && renderClient04(parsed.value)).toBe(line)
    const c = sampleCommitment({ service: 'submission', latches: ['tls-cert', 'tls11'] })
    expect(buildInBand({ commitment: c, client: DEMO_SUBMIT }).client04).toBe(line)
  })
})

describe('MUA-STS -05 examples (deep-examples.md)', () => {
  it('Example 1: the ID lines round-trip; our `saved` is the draft value byte-exact', () => {
    const client =
      'C: a001 ID ("name" "Demo Mail" "version" "1.5" "saved" "tls-version=1.1; tls-cert" "directives" "tls-version=1.2")'
    const server =
      'S: * ID ("name" "Demo Server" "version" "1.7" "sts-policy" "tls-version=1.1; tls-cert; sts-url=https://www.example.com/security-support.html")'
    expectIdRoundTrip(client)
    const policy = stsPolicyFromId(expectIdRoundTrip(server)) ?? ''
    const p = parseStsPolicy(policy)
    expect(p).toMatchObject({ ok: true, value: { tlsVersion: '1.1', tlsCert: 'any' } })
    expect(p.ok && renderStsPolicy(p.value)).toBe(policy)
    const c = sampleCommitment({ latches: [], directives: { tlsVersion: '1.1', tlsCert: 'any' } })
    const ours = idFieldsFor(buildInBand({ commitment: c, client: DEMO_MAIL }).idFields, ['ID', 'STS'])
    expect(ours?.['saved']).toBe('tls-version=1.1; tls-cert')
    // Divergence on purpose: `tls-cert=any` is saved, so the stronger pkix is still on offer.
    expect(ours?.['directives']).toBe('tls-version=1.2; tls-cert=pkix')
  })

  it('Example 2: our failure ID is the draft line with the defined field name policy-fail', () => {
    const client = 'C: a001 ID ("name" "Demo Mail" "version" "1.5" "policy-failure" "tls-cert=pkix")'
    const server =
      'S: * ID ("name" "Demo Server" "version" "1.7" "sts-policy" "tls-version=1.1; sts-url=<https://www.example.com/security-support.html>")'
    expectIdRoundTrip(client)
    const p = parseStsPolicy(stsPolicyFromId(expectIdRoundTrip(server)) ?? '')
    expect(p).toMatchObject({
      ok: true,
      value: { tlsVersion: '1.1', stsUrl: 'https://www.example.com/security-support.html' },
    })
    const c = sampleCommitment({ latches: [], directives: { tlsCert: 'pkix' } })
    const inBand = buildFailureInBand('spec', { commitment: c, client: DEMO_MAIL }, expiredCert)
    const fields = idFieldsFor(inBand?.idFields ?? {}, ['ID', 'STS'])
    expect(`C: a001 ID ${renderIdParams(fields ?? {})}`).toBe(
      client.replace('"policy-failure"', '"policy-fail"'),
    )
  })

  it('Example 3: the proxy lines round-trip; our `saved` matches', () => {
    const fields = expectIdRoundTrip(
      'C: a001 ID ("name" "Demo Mail" "version" "1.5" "saved" "tls-version=1.1; tls-cert=pkix" "tls" "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")',
    )
    const server = expectIdRoundTrip(
      'S: * ID ("name" "Demo Server" "version" "1.7" "sts-policy" "tls-version=1.1; tls-cert=pkix; sts-url=https://www.example.com/support.html")',
    )
    const p = parseStsPolicy(stsPolicyFromId(server) ?? '')
    expect(p.ok && renderStsPolicy(p.value)).toBe(stsPolicyFromId(server))
    const c = sampleCommitment({ latches: [], directives: { tlsVersion: '1.1', tlsCert: 'pkix' } })
    expect(buildInBand({ commitment: c, client: DEMO_MAIL }).idFields['saved']).toBe(fields['saved'])
  })

  it('Example 4: the malformed POP3 STS line is survived and teaches nothing', () => {
    const r = parseStsCapability([
      'STS tls-version=1.2 sts-url=https://www.example.com/security-support.html>',
    ])
    expect(r?.ok).toBe(true)
    expect(r?.ok && r.value).toMatchObject({ ignored: [expect.any(String)] })
    expect(r?.ok && r.value.tlsVersion).toBeUndefined()
    expect(r?.ok && r.value.stsUrl).toBeUndefined()
  })

  it('Example 5: the EHLO MSTS line parses; our CLIENT is the draft line byte-exact', () => {
    const r = parseStsCapability([
      'MSTS tls-version=1.2; tls-cert; sts-url=<https://www.example.com/status.html>',
    ])
    expect(r).toMatchObject({
      ok: true,
      value: { tlsVersion: '1.2', tlsCert: 'any', stsUrl: 'https://www.example.com/status.html' },
    })
    const line =
      'CLIENT name demo_submit version 1.5 saved "tls-version=1.1; tls-cert=pkix" directives "tls-version=1.2"'
    const parsed = parseClient05(line)
    expect(parsed.ok && renderClient05(parsed.value)).toBe(line)
    const c = sampleCommitment({
      service: 'submission',
      latches: [],
      directives: { tlsVersion: '1.1', tlsCert: 'pkix' },
    })
    expect(buildInBand({ commitment: c, client: DEMO_SUBMIT }).client05).toBe(line)
  })
})

describe('what never crosses the wire', () => {
  it('an SPKI pin failure alone gives no in-band message in any mode', () => {
    const c = sampleCommitment({
      pins: { spki: ['dVdECK5yWe84Ot1ck6dn2YLDL2YIRCESeHpQ36U0oeQ='], backup: [] },
    })
    for (const mode of ['spec', 'authenticated-only', 'never'] as const)
      expect(buildFailureInBand(mode, { commitment: c, client: DEMO_MAIL }, goodObservation())).toBeNull()
  })

  it('a failed -05 tls-cert directive never names a tag that was not latched', () => {
    const c = sampleCommitment({ latches: [], directives: { tlsCert: 'pkix+dane' } })
    const o = createObservation({ ...goodObservation(), dane: { status: 'invalid' } })
    const inBand = buildFailureInBand('authenticated-only', { commitment: c, client: null }, o)
    expect(inBand?.idFields).toEqual({ 'policy-fail': 'tls-cert=pkix+dane' })
    expect(inBand?.client04).toBeUndefined()
    expect(inBand?.client05).toBe('CLIENT policy-fail "tls-cert=pkix+dane"')
  })
})
