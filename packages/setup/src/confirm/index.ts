// Public surface of the confirm step.
export {
  type ConfirmInput,
  ConfirmInputSchema,
  type ConfirmResult,
  confirm,
  type VerifyContext,
  type VerifyFailure,
  type VerifyFn,
} from './confirm.js'
export { StagingStore } from './staging-store.js'
