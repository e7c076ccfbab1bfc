import { describe, expect, it } from 'vitest'
import { clientAccepted, clientCommand } from './client-command.js'

const inBand = { client04: 'CLIENT name=x', client05: 'CLIENT name x' }

describe('clientCommand', () => {
  it('sends the -04 line to a DEEP server and the -05 line to an MSTS server', () => {
    expect(clientCommand(['DEEP tls12'], inBand)).toBe('CLIENT name=x')
    expect(clientCommand(['MSTS tls-cert=pkix'], inBand)).toBe('CLIENT name x')
  })

  it('sends nothing to a server that lists neither', () => {
    expect(clientCommand(['AUTH PLAIN'], inBand)).toBeUndefined()
  })

  it('sends nothing when the in-band data has no line for that dialect', () => {
    expect(clientCommand(['DEEP'], {})).toBeUndefined()
  })
})

describe('clientAccepted', () => {
  it('counts only 2xx as accepted (a 501 is logged, not fatal)', () => {
    expect(clientAccepted(250)).toBe(true)
    expect(clientAccepted(501)).toBe(false)
  })
})
