// `mua-sts demo [--json <file>]`: runs the full demo on embedded servers (see demo/run-demo.ts). Its
// servers come from @mua-sts/testing, loaded only when the demo runs (demo/load-testing.ts).
import { runFullDemo } from '../demo/run-demo.js'

export type DemoArgs = { readonly json?: string | undefined }

export function runDemo(out: (line: string) => void = console.log, args: DemoArgs = {}): Promise<number> {
  return runFullDemo({ out, json: args.json })
}
