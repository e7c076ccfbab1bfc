// Public surface of the confirm step.
export {
  type ConfirmInput,
  ConfirmInputSchema,
  type ConfirmResult,
  confirm,
  type ReplaceRequest,
  ReplaceRequestSchema,
  type VerifyContext,
  type VerifyFailure,
  type VerifyFn,
} from './confirm.js'
export { DEFAULT_PROPOSAL_MAX_AGE_MS, MAX_PROPOSAL_MAX_AGE_MS } from './proposal-freshness.js'
export { StagingStore } from './staging-store.js'
