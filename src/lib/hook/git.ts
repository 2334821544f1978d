import {execFile} from 'node:child_process'

import type {GitRemotes} from './argv.js'

/** One git command's stdout, or undefined when it fails (no repository, no such key, no git). */
async function git(args: string[], cwd: string): Promise<string | undefined> {
  return new Promise(resolve => {
    execFile('git', args, {cwd, encoding: 'utf8', timeout: 10_000}, (error, stdout) => {
      resolve(error ? undefined : stdout)
    })
  })
}

/** The fetch URL of each remote in `git remote -v` output. */
export function parseRemoteVerbose(output: string): GitRemotes['remotes'] {
  return output.split('\n').filter(line => line.endsWith('(fetch)')).map(line => {
    const [name = '', rest = ''] = line.split('\t')
    return {name, url: rest.split(' ')[0] ?? ''}
  }).filter(remote => remote.name !== '')
}

/**
 * The git remotes of the current directory exactly as @heroku-cli/command's getGitRemotes reads them:
 * `git remote -v`, so git's own `url.<base>.insteadOf` rewriting applies (the raw `remote.<name>.url` can
 * name another app), and `git config heroku.remote`. Outside a repository, or without git, there are none.
 */
export async function readGitRemotes(cwd: string = process.cwd()): Promise<GitRemotes> {
  const [verbose, configured] = await Promise.all([git(['remote', '-v'], cwd), git(['config', 'heroku.remote'], cwd)])
  const defaultRemote = configured?.trim() || undefined
  return {...(defaultRemote ? {defaultRemote} : {}), remotes: parseRemoteVerbose(verbose ?? '')}
}
