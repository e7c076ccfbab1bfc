// Eager option validation shared by every package (house style H15): parse at construction time and
// throw MUASTS_ERR_INVALID_OPTION naming the first bad path, with all zod issues in `details`/`cause`.
import type * as z from 'zod'
import { ErrorCode, SdkError } from './errors.js'

/** Parses `input` with `schema` or throws MUASTS_ERR_INVALID_OPTION ("<what> options.<path>: <message>"). */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(input)
  if (r.success) return r.data
  const issue = r.error.issues[0]
  // `trust.ca[1]`: list indices the way a reader writes them in code.
  const path = issue?.path.length
    ? issue.path
        .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
        .join('')
    : '(root)'
  throw new SdkError(ErrorCode.InvalidOption, `${what} options.${path}: ${issue?.message ?? 'invalid'}`, {
    cause: r.error,
    details: { issues: r.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  })
}
