// @mua-sts/store: durable commitment stores (issue #3).
export { checkForgetRequest } from './forget-request.js'
export { MemoryCommitmentStore } from './memory-store.js'
