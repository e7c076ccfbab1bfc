// check:packages refuses a packed manifest that still says `workspace:` or drifts from the release (#16).
import { describe, expect, it } from 'vitest'
import { packedManifestProblems, publishablePackages } from '../../scripts/lib/workspace-packages.mjs'

describe('packedManifestProblems', () => {
  const good = {
    name: '@mua-sts/imap',
    version: '1.2.3',
    dependencies: { '@mua-sts/core': '1.2.3', zod: '^4.6.7' },
    peerDependencies: { imapflow: '^2.9.1' },
  }

  it('accepts siblings pinned to the release version and ranged third-party dependencies', () => {
    expect(packedManifestProblems(good, '1.2.3')).toEqual([])
  })

  it('reports a workspace: range in any dependency field', () => {
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'])
      expect(
        packedManifestProblems({ ...good, [field]: { '@mua-sts/core': 'workspace:*' } }, '1.2.3').join('\n'),
      ).toContain(`${field}.@mua-sts/core is still "workspace:*"`)
  })

  it('reports a sibling that is not the exact release version, and a wrong package version', () => {
    const problems = packedManifestProblems(
      { ...good, version: '1.2.2', dependencies: { '@mua-sts/core': '^1.2.0' } },
      '1.2.3',
    )
    expect(problems).toEqual([
      'version 1.2.2 is not the release version 1.2.3',
      'dependencies.@mua-sts/core is "^1.2.0", expected the release version "1.2.3"',
    ])
  })
})

describe('publishablePackages', () => {
  it('lists every non-private package once, each after the packages it depends on', () => {
    const order = publishablePackages().map((p) => p.name)
    expect(new Set(order).size).toBe(order.length)
    expect(order.indexOf('@mua-sts/core')).toBeLessThan(order.indexOf('@mua-sts/transport'))
    expect(order.indexOf('@mua-sts/transport')).toBeLessThan(order.indexOf('@mua-sts/imap'))
    expect(
      order.at(-1) === '@mua-sts/cli' || order.indexOf('@mua-sts/cli') > order.indexOf('@mua-sts/smtp'),
    ).toBe(true)
  })
})
