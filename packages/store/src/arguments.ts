// Argument guards of the FileStore methods (house style H15: a bad argument is a coded error, never a
// file-system path built from unchecked input).
import {
  type AccountRef,
  AccountRefSchema,
  ErrorCode,
  SdkError,
  type Service,
  ServiceSchema,
} from '@mua-sts/core'

/** MUASTS_ERR_INVALID_OPTION naming what was wrong. */
export function invalid(what: string, cause: unknown): SdkError {
  return new SdkError(ErrorCode.InvalidOption, `FileStore: ${what}`, { cause })
}

/** The account reference, or throws MUASTS_ERR_INVALID_OPTION. */
export function checkAccount(account: unknown): AccountRef {
  const r = AccountRefSchema.safeParse(account)
  if (!r.success) throw invalid('not a valid account reference', r.error)
  return r.data
}

/** The service, or throws MUASTS_ERR_INVALID_OPTION. */
export function checkService(service: unknown): Service {
  const r = ServiceSchema.safeParse(service)
  if (!r.success) throw invalid('not a valid service', r.error)
  return r.data
}
