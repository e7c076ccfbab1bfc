// Eager option validation (house style H15): constructors and factories call this before doing anything.
import { ErrorCode, SdkError } from '@mua-sts/core'
import type * as z from 'zod'

/** Parses options or throws MUASTS_ERR_INVALID_OPTION naming the first bad path; zod issues in `cause`. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(input)
  if (r.success) return r.data
  const issue = r.error.issues[0]
  const path = issue?.path.length ? issue.path.map(String).join('.') : '(root)'
  throw new SdkError(ErrorCode.InvalidOption, `${what} options.${path}: ${issue?.message ?? 'invalid'}`, {
    cause: r.error,
    details: { issues: r.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  })
}
