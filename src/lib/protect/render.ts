import type {ProtectResult} from './actions.js'

/** The human output of staging:protect / staging:unprotect / staging:protect --list. */
export function renderProtectResult(result: ProtectResult): string {
  const name = result.app?.name ?? ''
  switch (result.action) {
    case 'list': {
      if (result.protected.length === 0) {
        return `No app is protected (${result.file}).\nProtect one with heroku staging:protect -a APP.`
      }

      const width = Math.max(...result.protected.map(entry => entry.name.length))
      const lines = result.protected.map(entry => `  ${entry.name.padEnd(width)}${entry.since ? `  since ${entry.since}` : ''}`)
      return [`Protected apps (${result.file}):`, ...lines].join('\n')
    }

    case 'protect': {
      return result.changed
        ? `Protected ${name}: the guard now treats it as production (the stock commands that overwrite, destroy or re-point its data, pg:copy, pg:reset, apps:destroy, data:pg:destroy and the rest, are refused, and staging:refresh will not write it).`
        : `${name} was already protected.`
    }

    case 'unprotect': {
      return result.changed
        ? `${name} is no longer protected. It still counts as production if its pipeline stage is production.`
        : `${name} was not protected; nothing changed.`
    }
  }
}
