// Validation shared by every store's forget ceremony (RFC 8314 §5.4: pins are user-revocable, but only
// through an explicit act; DEEP -04 §5.4 discourages any lightweight reset).
import { ErrorCode, type ForgetRequest, SdkError, type Service } from '@mua-sts/core'

type Pending = ReadonlyMap<string, { account: string; service: Service | undefined }>

/** Throws MUASTS_ERR_CONFIRMATION_REQUIRED unless the request matches a pending confirmation token. */
export function checkForgetRequest(request: ForgetRequest, pending: Pending): void {
  const p = pending.get(request.confirmation)
  if (p === undefined || p.account !== request.account || p.service !== request.service) {
    throw new SdkError(
      ErrorCode.ConfirmationRequired,
      'No matching confirmation token for this forget request.',
    )
  }
  if (request.reason.trim().length < 3) {
    throw new SdkError(
      ErrorCode.ConfirmationRequired,
      'A reason (at least 3 characters) is required to forget a commitment.',
    )
  }
  if (request.actor.trim().length === 0) {
    throw new SdkError(ErrorCode.ConfirmationRequired, 'An actor is required to forget a commitment.')
  }
}
