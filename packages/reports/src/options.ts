// Eager option validation (house style H15). A local copy of the transport package's helper: reports sits
// below transport in the dependency graph and must not import it.
import { ErrorCode, SdkError } from '@mua-sts/core'
import type * as z from 'zod'

/** Parses `input` or throws MUASTS_ERR_INVALID_OPTION naming the first bad option path. Pure. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(input)
  if (r.success) return r.data
  const issue = r.error.issues[0]
  const path = issue?.path.length ? issue.path.join('.') : '(root)'
  throw new SdkError(ErrorCode.InvalidOption, `${what} options.${path}: ${issue?.message ?? 'invalid'}`, {
    cause: r.error,
    details: { issues: r.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  })
}
