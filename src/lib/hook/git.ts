import {execFile} from 'node:child_process'

import {type GitRemotes, parseGitRemotes} from './argv.js'

/**
 * Reads the git remotes of the current directory in one `git config --get-regexp remote` call (which also
 * returns `heroku.remote`). Outside a repository, or without git, there are none, exactly as
 * @heroku-cli/command's getGitRemotes treats those cases.
 */
export async function readGitRemotes(cwd: string = process.cwd()): Promise<GitRemotes> {
  return new Promise(resolve => {
    execFile('git', ['config', '--get-regexp', 'remote'], {cwd, encoding: 'utf8', timeout: 10_000}, (error, stdout) => {
      // git exits 1 when no key matches: that is "no remotes", not a failure.
      resolve(error && !stdout ? {remotes: []} : parseGitRemotes(stdout))
    })
  })
}
