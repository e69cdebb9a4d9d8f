// ?mgmt= names the management API by a URL of its own; its password is redacted like the broker
// URL's, and one that parsers would misread (part of it taken for a host or port) is refused.
import {describe, expect, it} from 'vitest'
import {amqpTarget} from '../../../src/drivers/amqp/connect.js'
import {managementEndpoint} from '../../../src/drivers/amqp/inspect.js'
import {parseUrl} from '../../../src/url.js'

function endpointFor(url: string) {
  const parsed = parseUrl(url)
  return managementEndpoint(amqpTarget(parsed, {clientName: 'test'}), parsed.query)
}

describe('?mgmt= with credentials', () => {
  it.each(['http://admin:pw1/pw2@127.0.0.1:15672', 'http://admin:8765/pw3@127.0.0.1:15672', 'http://admin:pw1%zzpw2@127.0.0.1:15672'])(
    '%s is a usage error showing none of the password',
    (mgmt) => {
      let message = ''
      try {
        endpointFor(`amqp://guest:guest@127.0.0.1:5672?mgmt=${encodeURIComponent(mgmt)}`)
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).toMatch(/^the management API URL \(\?mgmt= in the broker URL\) is not a valid URL: "http:\/\/admin:\*\*\*@127\.0\.0\.1:15672"; /)
      for (const piece of ['pw1', 'pw2', '8765', 'pw3']) expect(message).not.toContain(piece)
    },
  )

  it('percent-encoded, the password is used and never displayed', () => {
    const endpoint = endpointFor(`amqp://guest:guest@127.0.0.1:5672?mgmt=${encodeURIComponent('http://admin:pw1%2Fpw2@127.0.0.1:15672')}`)
    expect(endpoint?.displayUrl).toBe('http://127.0.0.1:15672')
    expect(endpoint?.authorization).toBe(`Basic ${Buffer.from('admin:pw1/pw2').toString('base64')}`)
  })
})
