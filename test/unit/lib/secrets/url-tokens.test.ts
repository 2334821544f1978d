import {expect} from 'chai'

import {maskCredentialsInText, maskUrl, SecretRegistry, secretUrlParts, urlCarriesToken} from '../../../../src/lib/secrets/index.js'
import {credentialsIn, maskCredential} from '../../../../src/lib/snapshot/identity.js'

/**
 * The path and query tokens of http(s) URLs (review item 10): every output masks them the same way,
 * the evidence of a credential (snapshot/mask-credential.ts) included.
 */

/** Every place a URL value is shown: evidence, free text, the registry (registered and not), JSON evidence. */
function everyOutput(url: string): Record<string, string> {
  const registered = new SecretRegistry()
  registered.register(url)
  const withUserinfo = url.replace('https://', 'https://bot:Pw0rdSecret99@')
  const json = JSON.stringify({hook: withUserinfo})
  return {
    evidence: credentialsIn(withUserinfo).map(c => maskCredential(c)).join(' '),
    jsonEvidence: credentialsIn(json).map(c => maskCredential(c)).join(' '),
    maskUrl: maskUrl(url),
    redactRegistered: registered.redact(`posting to ${url} failed`),
    text: maskCredentialsInText(`posting to ${url} failed`),
    textTrimmed: maskCredentialsInText(`posting to ${url.replace(/\/$/, '')}. failed`),
  }
}

describe('secrets: path and query tokens of http(s) URLs, in every output', function () {
  /** [url, its secret parts]: webhooks keep their secret after a fixed prefix, whatever its length. */
  const webhooks: Array<[string, string[]]> = [
    ['https://hooks.slack.com/services/T024BE7LD/B08A1FZLK/ahGq7P', ['T024BE7LD', 'B08A1FZLK', 'ahGq7P']],
    ['https://hooks.slack.com/services/tinyaa/tinybb/tinycc', ['tinyaa', 'tinybb', 'tinycc']],
    ['https://hooks.slack.com/workflows/T01ABCDEF/A02BCDEFG/123456789012345678/abcdefgh', ['T01ABCDEF', 'abcdefgh']],
    ['https://discord.com/api/webhooks/1234567890123456789/abcdefg', ['1234567890123456789', 'abcdefg']],
    ['https://discordapp.com/api/v10/webhooks/123456/shorttok', ['123456', 'shorttok']],
    ['https://hooks.zapier.com/hooks/catch/1234567/abcdefg/', ['1234567', 'abcdefg']],
    ['https://acmecorp.webhook.office.com/webhookb2/aaaa-bbbb@cccc-dddd/IncomingWebhook/shorthex/eeee', ['acmecorp', 'aaaa-bbbb', 'shorthex']],
    ['https://outlook.office.com/webhook/abcdef/IncomingWebhook/ghijkl/mnopqr', ['abcdef', 'ghijkl', 'mnopqr']],
    ['https://chat.googleapis.com/v1/spaces/AAAAbcdef/messages?key=shortk&token=shortt', ['AAAAbcdef', 'shortk', 'shortt']],
    ['https://events.pagerduty.com/integration/abcdefabcdef/enqueue', ['abcdefabcdef']],
    ['https://api.telegram.org/bot123456:ABCdefGHI/sendMessage', ['123456:ABCdefGHI']],
    ['https://mattermost.example.com/hooks/xyzabcdef', ['xyzabcdef']],
    ['https://prod-12.westus.logic.azure.com/workflows/abcdef123/triggers/manual/paths/invoke?sig=shortsig', ['abcdef123', 'shortsig']],
  ]
  for (const [url, secrets] of webhooks) {
    it(`masks every token of ${url.slice(0, 56)}`, function () {
      expect(urlCarriesToken(url), 'urlCarriesToken').to.equal(true)
      for (const [sink, out] of Object.entries(everyOutput(url))) {
        for (const secret of secrets) expect(out, `${sink}: ${out}`).to.not.contain(secret)
      }
    })
  }

  /** Query values under token-like keys are masked whatever their length. */
  const queries: Array<[string, string]> = [
    ['https://api.example.com/hook?token=abcdef', 'abcdef'],
    ['https://api.example.com/hook?key=abcdef', 'abcdef'],
    ['https://api.example.com/hook?sig=abcdef', 'abcdef'],
    ['https://api.example.com/hook?signature=abcdef', 'abcdef'],
    ['https://api.example.com/hook?secret=abcdef', 'abcdef'],
    ['https://api.example.com/hook?client_secret=abcdef', 'abcdef'],
    ['https://api.example.com/hook?auth=abcdef', 'abcdef'],
    ['https://api.example.com/cb?access_token=abcdef', 'abcdef'],
    ['https://api.example.com/cb?code=abcdef', 'abcdef'],
    ['https://api.example.com/x?password=abcdef', 'abcdef'],
    ['https://api.example.com/x?apikey=abcdef', 'abcdef'],
    ['https://api.example.com/x?api_key=abcdef', 'abcdef'],
    ['https://bucket.s3.amazonaws.com/f?X-Amz-Signature=abcdef&X-Amz-Credential=ghijkl', 'abcdef'],
    ['https://api.example.com/hook;token=abcdef', 'abcdef'],
  ]
  for (const [url, secret] of queries) {
    it(`masks the value of ${url.slice(url.search(/[?;]/))}`, function () {
      expect(urlCarriesToken(url)).to.equal(true)
      for (const [sink, out] of Object.entries(everyOutput(url))) expect(out, `${sink}: ${out}`).to.not.contain(secret)
    })
  }

  /** Versions and dates are no tokens: shown, and the predicate says no secret. */
  const publicUrls = [
    'https://shop.myshopify.com/admin/api/2024-01/orders.json',
    'https://docs.example.com/v1.2/guide',
    'https://api.example.com/v2/users?page=2&per_page=50',
    'https://es1.example.com:9200,https://es2.example.com:9200',
    'https://api.example.com/3.2.1-beta/status',
  ]
  for (const url of publicUrls) {
    it(`keeps ${url} readable`, function () {
      expect(secretUrlParts(url)?.segments).to.deep.equal([])
      expect(urlCarriesToken(url)).to.equal(false)
      expect(maskCredentialsInText(`see ${url} now`)).to.equal(`see ${url} now`)
    })
  }

  it('names the secret parts: segments, query keys, userinfo', function () {
    expect(secretUrlParts('https://u:pw@hooks.zapier.com/hooks/catch/123/abc/?token=x&page=2')).to.deep.equal({
      host: false, queryKeys: ['token'], segments: ['123', 'abc'], userinfo: true,
    })
  })
})
