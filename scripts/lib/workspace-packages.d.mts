// Types for workspace-packages.mjs (plain JS so scripts run before anything is installed).
export type WorkspacePackage = {
  readonly name: string
  readonly dir: string
  readonly pkg: {
    name: string
    version: string
    exports?: Record<string, unknown>
    bin?: Record<string, string>
  }
}
export declare const ROOT: string
export declare function publishablePackages(): WorkspacePackage[]
export declare function packagesVersion(packages: WorkspacePackage[], fail: (message: string) => void): string
export declare function spawnAsync(
  cmd: string,
  args: string[],
  options?: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean },
): Promise<{ status: number; output: string }>
export declare function buildPackages(options?: {
  packages?: WorkspacePackage[]
  concurrency?: number
  quiet?: boolean
}): Promise<void>
export declare function packPackages(
  destination: string,
  options?: { packages?: WorkspacePackage[]; quiet?: boolean },
): Promise<{ name: string; tarball: string }[]>
export declare function readTarEntry(tgzPath: string, entryPath: string): string | undefined
export declare function packedManifestProblems(manifest: Record<string, unknown>, version: string): string[]
