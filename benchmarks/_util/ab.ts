// Interleaved A/B rows with the statistics a sceptic asks for (issue #17): n rounds, each running both
// arms in alternating order; rows for each arm's median and for the ratio A/B with its IQR and a paired
// bootstrap 95% CI. The ratio is "within target" only if the CI's upper bound is.
import { interleave } from './measure.js'
import { rounds } from './quick.js'
import { ratioSummary, type Summary, summarize } from './stats.js'
import type { BenchRow } from './types.js'

export const AB_ROUNDS = rounds(200)

function stats(s: Summary): NonNullable<BenchRow['stats']> {
  return { n: s.n, q1: s.q1, q3: s.q3, ciLow: s.ciLow, ciHigh: s.ciHigh }
}

export async function abRows(input: {
  /** e.g. "imap connect+login+logout (implicit-tls, custom CA, dovecot)". */
  readonly label: string
  readonly aName: string
  readonly bName: string
  readonly a: () => Promise<unknown>
  readonly b: () => Promise<unknown>
  /** Upper bound for the ratio A/B, judged on the CI's upper bound. */
  readonly target?: number
  readonly rounds?: number
  readonly warmup?: number
  /** Round trips per connection of each arm, counted by the relay (printed next to the timings). */
  readonly turns?: { readonly a: readonly number[]; readonly b: readonly number[] }
}): Promise<BenchRow[]> {
  const r = await interleave(input.a, input.b, input.rounds ?? AB_ROUNDS, input.warmup ?? 5)
  const sa = summarize(r.a)
  const sb = summarize(r.b)
  const ratio = ratioSummary(r.a, r.b)
  const turns = (t: readonly number[] | undefined) =>
    t === undefined ? undefined : `${[...new Set(t)].join('/')} round trips`
  const ta = turns(input.turns?.a)
  const tb = turns(input.turns?.b)
  const rows: BenchRow[] = [
    {
      name: `${input.label}: ${input.aName}`,
      value: sa.median,
      unit: 'ms',
      stats: stats(sa),
      ...(ta ? { note: ta } : {}),
    },
    {
      name: `${input.label}: ${input.bName}`,
      value: sb.median,
      unit: 'ms',
      stats: stats(sb),
      ...(tb ? { note: tb } : {}),
    },
  ]
  const name = `${input.label}: ${input.aName}/${input.bName} ratio`
  rows.push(
    input.target === undefined
      ? { name, value: ratio.median, unit: 'ratio', stats: stats(ratio) }
      : {
          name,
          value: ratio.median,
          unit: 'ratio',
          stats: stats(ratio),
          target: `≤ ${input.target} (CI upper bound)`,
          pass: ratio.ciHigh <= input.target,
        },
  )
  return rows
}
