import {expect} from 'chai'

import {maskCredential, maskCredentialsInText, splitUrl} from '../../../../src/lib/secrets/index.js'

const label = (): string => '<fp>'

describe('secrets: masking by shape (src/lib/secrets/mask.ts)', function () {
  describe('maskCredential', function () {
    const cases: Array<[string, string]> = [
      ['postgres://user:pw@ec2-host:5432/dbname', 'postgres://u***:****@ec2-host:5432/dbname'],
      ['postgres://user:pw@ec2-host:5432/dbname?sslmode=require&password=x', 'postgres://u***:****@ec2-host:5432/dbname?…'],
      ['rediss://:pw@redis-host:6380', 'rediss://:****@redis-host:6380'],
      ['https://es.example.com/index', 'https://es.example.com/index'],
      ['postgres://only-user@h/d', 'postgres://o***@h/d'],
      ['https://hooks.slack.com/services/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', 'https://hooks.slack.com/services/****/****/****'],
      ['postgres://u:pw@127.0.0.1:5432/d9153c9bedcbd7d5aa1b2c3d', 'postgres://u***:****@127.0.0.1:5432/d9153c9bedcbd7d5aa1b2c3d'],
      // passwords of any characters: the userinfo ends at the last @ a host follows
      ['redis://:p@ss/w#rd?x@redis.example.com:6379/0', 'redis://:****@redis.example.com:6379/0'],
      ['amqps://user:a%2Fb%40c#d@rabbit.example.com/vhost', 'amqps://u***:****@rabbit.example.com/vhost'],
      ['https://bot:s3cr/et@q?x@hooks.example.com/in', 'https://b***:****@hooks.example.com/in'],
      ['mongodb+srv://app:pa:ss@cluster0.mongodb.net/db', 'mongodb+srv://a***:****@cluster0.mongodb.net/db'],
      ['mysql://root:hunter2@mysql.example.com:3306/app', 'mysql://r***:****@mysql.example.com:3306/app'],
      ['postgresql+asyncpg://u:pw@h1:5432/app', 'postgresql+asyncpg://u***:****@h1:5432/app'],
      ['postgres://u:pw@h1:5432,h2:5433/app', 'postgres://u***:****@h1:5432,h2:5433/app'],
      ['jdbc:postgresql://db.example.com:5432/app?user=u&password=hunter22', 'jdbc:postgresql://db.example.com:5432/app?…'],
      ['host=db.example.com port=5432 dbname=app user=admin password=hunter22', 'host=db.example.com port=5432 dbname=app user=a*** password=****'],
      ["host=db dbname=app password='it\\'s a secret' sslmode=require", 'host=db dbname=app password=**** sslmode=require'],
      ['not a url', '<fp>'],
    ]
    for (const [input, expected] of cases) {
      it(`masks ${input.slice(0, 48)}`, function () {
        expect(maskCredential(input, label)).to.equal(expected)
      })
    }

    it('keeps an @ in a webhook path as path, not userinfo', function () {
      expect(splitUrl('https://api.example.com/users/@me')?.user).to.equal(undefined)
      expect(maskCredential('https://api.example.com/users/@me', label)).to.equal('https://api.example.com/users/@me')
    })
  })

  describe('maskCredentialsInText', function () {
    it('masks the userinfo of any URL in free text, whatever its password holds', function () {
      expect(maskCredentialsInText('failed to reach postgres://admin:hu/nt@er22@db.example.com:5432/app, retrying'))
        .to.equal('failed to reach postgres://a***:****@db.example.com:5432/app, retrying')
    })

    it('masks secret query values and password= pairs, and bearer and basic tokens', function () {
      expect(maskCredentialsInText('jdbc:postgresql://h/db?user=u&password=pw9 and host=h password=pw10'))
        .to.equal('jdbc:postgresql://h/db?user=u***&password=**** and host=h password=****')
      expect(maskCredentialsInText('Authorization: Bearer abcdef0123456789')).to.equal('Authorization: Bearer ****')
      expect(maskCredentialsInText('Authorization: Basic OmFiY2RlZjAxMjM0NTY=')).to.equal('Authorization: Basic ****')
    })

    it('leaves text without credentials as it is', function () {
      const text = 'acme-staging: DATABASE_URL reaches postgres://u***:****@h:5432/d (https://status.heroku.com)'
      expect(maskCredentialsInText(text)).to.equal(text)
    })
  })
})
