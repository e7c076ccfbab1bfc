// Types for keytar-check.mjs (plain JS so scripts/run.mjs runs before anything is installed).
export declare const BUILD_NEEDS: readonly string[]
export type KeytarProbe = { readonly status: number | null; readonly stderr: string }
export type BuildTools = Readonly<Record<string, boolean>>
export type KeytarVerdict = { ok: true } | { ok: false; missing: string[]; message: string }
export declare function probeKeytar(cwd: string): KeytarProbe
export declare function probeBuildTools(platform?: NodeJS.Platform): BuildTools
export declare function keytarVerdict(probe: KeytarProbe, tools: BuildTools): KeytarVerdict
