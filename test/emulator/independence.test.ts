import {expect} from 'chai'
import {readdir, readFile} from 'node:fs/promises'
import path from 'node:path'

import {redactUrls} from '../../emulator/postgres/connection.js'

/** Every .ts file under dir, recursively. */
async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, {withFileTypes: true})
  const nested = await Promise.all(entries.map(async e => {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) return sources(full)
    return e.name.endsWith('.ts') ? [full] : []
  }))
  return nested.flat()
}

describe('emulator independence', () => {
  it('imports nothing from src/ (a test double must not share code with the code under test)', async () => {
    const offenders: string[] = []
    for (const file of await sources('emulator')) {
      const text = await readFile(file, 'utf8')
      if (/from\s+'(\.\.\/)+src\//.test(text)) offenders.push(file)
    }

    expect(offenders).to.deep.equal([])
  })

  it("masks a URL's userinfo, tokens and the given passwords itself", () => {
    const out = redactUrls('connect postgres://ualice:s3cret@127.0.0.1:5432/d1 failed; Bearer HRKU-abcdefgh12345; pw hunter22', ['hunter22'])
    expect(out).to.equal('connect postgres://u***:****@127.0.0.1:5432/d1 failed; Bearer ****; pw ****')
    expect(redactUrls('postgres://127.0.0.1:5432/d1', [])).to.equal('postgres://127.0.0.1:5432/d1')
  })
})
