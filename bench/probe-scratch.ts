import {HerokuCli} from '../test/helpers/heroku-cli.js'
const cli = await HerokuCli.create({plugin: 'packed'})
console.log('HOME', cli.home)
const reg = new URL('../reg-scratch.mjs', import.meta.url).pathname
for (const args of [['config', '-a', 'nope'], ['staging:audit', '-a', 'nope']]) {
  const run = await cli.run(args, {env: {HEROKU_API_KEY: 'x', HEROKU_HOST: 'http://127.0.0.1:9', NODE_OPTIONS: `--import ${reg}`}})
  console.log(args.join(' '), '\n', run.stderr.split('\n').filter(l => l.startsWith('LOADED')).join('\n'))
}
