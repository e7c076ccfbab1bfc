// The SDK owns every option that decides where and how a connection is secured (integration notes
// §8.3: the libraries' defaults and overrides are how credentials leak). Adapters list those keys
// with the reason, and refuse them by name before any other validation.
import { ErrorCode, SdkError } from '@mua-sts/core'

/** Throws MUASTS_ERR_INVALID_OPTION naming `key` and why the SDK owns it. */
export function refuseOwnedOption(what: string, key: string, owned: Readonly<Record<string, string>>): never {
  const why = owned[key] ?? 'the SDK owns this setting'
  throw new SdkError(ErrorCode.InvalidOption, `${what} options.${key} is owned by the SDK: ${why}.`, {
    details: { option: key },
  })
}

/** Throws for the first key of `input` that the SDK owns. Does nothing for non-objects. */
export function refuseOwnedOptions(
  what: string,
  input: unknown,
  owned: Readonly<Record<string, string>>,
): void {
  if (typeof input !== 'object' || input === null) return
  for (const key of Object.keys(input)) if (Object.hasOwn(owned, key)) refuseOwnedOption(what, key, owned)
}
