import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import path from 'node:path'

/**
 * Apps the user marked as production with `heroku staging:protect`, kept in the CLI's config
 * directory (e.g. ~/.config/heroku/staging-protected.json) so every guard sees them.
 */

export const PROTECTED_FILE = 'staging-protected.json'

interface StoreFile {
  apps: string[]
}

export function protectedFile(configDir: string): string {
  return path.join(configDir, PROTECTED_FILE)
}

export async function readProtectedApps(configDir: string): Promise<string[]> {
  try {
    const parsed = JSON.parse(await readFile(protectedFile(configDir), 'utf8')) as Partial<StoreFile>
    return Array.isArray(parsed.apps) ? parsed.apps.filter((app): app is string => typeof app === 'string').sort() : []
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

export async function writeProtectedApps(configDir: string, apps: readonly string[]): Promise<void> {
  await mkdir(configDir, {recursive: true})
  const file = protectedFile(configDir)
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, JSON.stringify({apps: [...new Set(apps)].sort()}, null, 2) + '\n')
  await rename(temporary, file)
}
