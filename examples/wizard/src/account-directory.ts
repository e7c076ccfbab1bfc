// Which opaque account reference an address was set up under. Commitments are keyed by that reference,
// never by the address (house style H13), so running setup again for an address an app already has
// must reuse its reference: that is what makes a provider move show up as a conflict with what is
// pinned, instead of a second, unrelated account. The mapping is the app's own account list and lives
// in the main process; the page never names an account, so a compromised renderer cannot point a
// replacement at another account.
import type { AccountRef } from '@mua-sts/core'

/** The app's account list, as far as the wizard needs it. Methods may do I/O. */
export interface AccountDirectory {
  /** The account an address was set up under before, if any. */
  find(email: string): Promise<AccountRef | undefined>
  /** Called after commitments were pinned for `email` under `account`. */
  remember(email: string, account: AccountRef): Promise<void>
}

// Domains are case-insensitive (RFC 5321 §2.4); local parts in practice too, and a mismatch here would
// only split one mailbox into two accounts, never merge two.
const key = (email: string): string => email.trim().toLowerCase()

/** An AccountDirectory in memory: one wizard run's lifetime (the browser demo, tests). Does no I/O. */
export function memoryAccountDirectory(initial: Readonly<Record<string, AccountRef>> = {}): AccountDirectory {
  const accounts = new Map(Object.entries(initial).map(([email, ref]) => [key(email), ref]))
  return {
    find: async (email) => accounts.get(key(email)),
    remember: async (email, account) => {
      accounts.set(key(email), account)
    },
  }
}
