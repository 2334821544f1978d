import {expect} from 'chai'

import {jsonValue} from '../../../../src/lib/snapshot/json.js'

describe('snapshot: jsonValue (src/lib/snapshot/json.ts)', function () {
  it('reads an object or an array, around whitespace, falsy contents included', function () {
    expect(jsonValue(' {"host": "db.example.com", "port": 5432}\n')).to.deep.equal({json: {host: 'db.example.com', port: 5432}})
    expect(jsonValue('[1, "two"]')).to.deep.equal({json: [1, 'two']})
    expect(jsonValue('[]')).to.deep.equal({json: []})
  })

  it('reads no scalar, no malformed JSON and no plain text as JSON', function () {
    for (const value of ['5432', 'true', 'null', '"quoted"', '{not json', '[1,', 'postgres://u:p@h/db', '', '  ']) {
      expect(jsonValue(value), value).to.equal(undefined)
    }
  })
})
