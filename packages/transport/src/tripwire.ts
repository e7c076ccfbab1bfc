// Tripwire (integration notes §8.1): credentials may only be sent on a socket object that the guard
// passed. If a future library version ever reaches its auth step on another socket, we throw instead.
import { ErrorCode, SdkError } from '@mua-sts/core'

const passed = new WeakSet<object>()

/** Marks a socket as checked and compliant. Only the guard calls this, after evaluate() returned ok. */
export function markPassed(socket: object): void {
  passed.add(socket)
}

export function hasPassed(socket: object | null | undefined): boolean {
  return socket !== null && socket !== undefined && passed.has(socket)
}

/** Throws MUASTS_ERR_GUARD_BYPASSED unless `socket` passed the guard. Call right before sending credentials. */
export function assertPassed(socket: object | null | undefined, where: string): void {
  if (!hasPassed(socket)) {
    throw new SdkError(
      ErrorCode.GuardBypassed,
      `Refusing to authenticate: ${where} reached auth on an unchecked socket.`,
    )
  }
}
