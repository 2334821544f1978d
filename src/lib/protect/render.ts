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
      const shared = result.policy?.changed ? `\nRecorded in ${result.policy.file}: commit it so every teammate's plugin treats ${name} as production.` : result.policy ? '' : '\nNot in a git repository: only this machine knows. Run it in your repository to record it in .heroku-staging.json for every teammate.'
      return result.changed
        ? `Protected ${name}: the guard now treats it as production (whatever would destroy, overwrite, re-wire, rotate or demote it is refused, and staging:refresh will not write it).${shared}`
        : `${name} was already protected.`
    }

    case 'unprotect': {
      return result.changed
        ? `${name} is no longer protected${result.policy?.changed ? ` (removed from ${result.policy.file}: commit it)` : ''}. It still counts as production if its pipeline stage is production.`
        : `${name} was not protected; nothing changed.`
    }
  }
}
