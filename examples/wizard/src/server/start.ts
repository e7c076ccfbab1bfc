// `pnpm start`: the wizard against the demo domain example.test, all on 127.0.0.1.
// `pnpm start -- --real` uses real DNS, the system's trust store and the OS keychain instead;
// `--port=<n>` picks the port (default: any free one).
import { startDemoEnvironment } from './demo-environment.js'
import { startWizardApp } from './wizard-app.js'

const real = process.argv.includes('--real')
const portArg = process.argv.find((a) => a.startsWith('--port='))
const port = portArg === undefined ? undefined : Number(portArg.slice('--port='.length))
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
  throw new Error('--port=<1-65535>')
const demo = real ? undefined : await startDemoEnvironment()
const app = await startWizardApp({
  ...(demo === undefined ? {} : { demo }),
  ...(port === undefined ? {} : { port }),
})
console.log(`mua-sts wizard: ${app.url}`)
if (demo !== undefined) {
  const u = demo.unlisted
  console.log(`demo account: ${demo.user} / ${demo.pass} (DEMO ONLY store, nothing persists)`)
  console.log(
    `no-DNS account: ${u.user} / ${u.pass}; enter ${u.host} by hand: IMAP ${u.imapsPort} implicit TLS, ` +
      `SMTP submission ${u.submissionPort} STARTTLS`,
  )
}
const stop = async (): Promise<void> => {
  await app.close()
  await demo?.close()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
