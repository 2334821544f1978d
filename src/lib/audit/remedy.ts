import type {FindingAction} from './types.js'

/** A finding's action written as the exact command(s) to run: one line. */
export function remedyCommand(action: FindingAction): string {
  const app = `-a ${action.app}`
  switch (action.kind) {
    case 'check-host': {
      return `heroku staging:audit ${app} again once ${action.host || 'the host'} resolves, or heroku config:set ${action.configVar}=<a staging-only URL> ${app}`
    }

    case 'change-plan': {
      return `heroku addons:upgrade ${action.addon} ${action.plan} ${app}`
    }

    case 'create-database': {
      return `heroku addons:create ${action.plan} ${app} -- --version ${action.version}`
    }

    case 'destroy-addon': {
      return `heroku addons:destroy ${action.addon} ${app}`
    }

    case 'detach': {
      return `heroku addons:detach ${action.attachment} ${app}`
    }

    case 'move-addon': {
      return `heroku addons:create ${action.plan} ${app}, move ${action.app} to it, then heroku addons:detach ${action.addon} ${app}`
    }

    case 'open-addon': {
      return `heroku addons:open ${action.addon} ${app}`
    }

    case 'pg-info': {
      return `heroku pg:info ${action.addon} ${app}, then run the audit again`
    }

    case 'pipeline-add': {
      return `heroku pipelines:add ${action.pipeline} --stage staging ${app}`
    }

    case 'promote': {
      return `heroku pg:promote ${action.configVar} ${app}`
    }

    case 'replace-database': {
      return `heroku config:unset DATABASE_URL ${app} && heroku addons:create ${action.plan} ${app}`
    }

    case 'replace-url': {
      return `heroku config:set ${action.configVar}=<a staging-only URL> ${app}`
    }

    case 'rerun-audit': {
      return `heroku staging:audit ${app} --production PRODUCTION_APP (name the real production app)`
    }

    case 'rotate-secret': {
      return `heroku config:set ${action.configVar}=<new value> ${app}`
    }

    case 'scale-down': {
      return `heroku ps:scale ${action.processType}=0 ${app}`
    }

    case 'set-stage': {
      return `heroku pipelines:update --stage ${action.stage} ${app}`
    }

    case 'stage-config': {
      return action.stage === 'test'
        ? `heroku ci:config:set ${action.configVar}=<a test-only value> -p ${action.pipeline}`
        : `heroku pipelines:open ${action.pipeline}, change ${action.configVar} under Settings → Review Apps (the CLI cannot set review stage vars), then recreate the review apps that have it`
    }

    case 'unfollow': {
      return `heroku pg:unfollow ${action.configVar} ${app}`
    }

    case 'unprotect': {
      return `heroku staging:unprotect ${app}`
    }

    case 'unset-config': {
      return `heroku config:unset ${(action.configVars ?? [action.configVar]).join(' ')} ${app}`
    }

    case 'upgrade-version': {
      return `heroku pg:upgrade:run ${action.addon} --version ${action.version} ${app}`
    }
  }
}
