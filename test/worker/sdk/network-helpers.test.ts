/**
 * Catalog helpers behind the CloudTrail network and identity rules: Python's private/global address
 * classes, MISP warning-list enrichment, the AWS region list and who-made-the-call checks.
 */
import { describe, expect, it } from 'vitest'
import { EventWrapper } from '../../../src/engine/index'
import { isAwsServiceCall, rootActivityContext } from '../../../src/sdk/helpers/cloudtrail-callers'
import { isGlobalIp, isPrivateIp } from '../../../src/sdk/helpers/ip-scope'
import { getMispWarningLists } from '../../../src/sdk/helpers/misp'
import { awsRegions, isAwsRegion } from '../../../src/sdk/helpers/regions'
import type { JsonObject } from '../../../src/types'

const event = (record: JsonObject) => new EventWrapper(record)

describe('isPrivateIp / isGlobalIp (Python ipaddress semantics)', () => {
  it('classifies RFC 1918, loopback, link-local and documentation ranges as private', () => {
    for (const ip of [
      '10.1.2.3',
      '172.31.255.255',
      '192.168.0.1',
      '127.0.0.1',
      '169.254.169.254',
      '192.0.2.7',
    ]) {
      expect(isPrivateIp(ip), ip).toBe(true)
      expect(isGlobalIp(ip), ip).toBe(false)
    }
  })
  it('treats public addresses as global, not private', () => {
    for (const ip of ['8.8.8.8', '172.32.0.1', '45.33.32.156', '2606:4700:4700::1111']) {
      expect(isPrivateIp(ip), ip).toBe(false)
      expect(isGlobalIp(ip), ip).toBe(true)
    }
  })
  it('puts carrier-grade NAT space in neither class, as Python does', () => {
    expect(isPrivateIp('100.64.0.1')).toBe(false)
    expect(isGlobalIp('100.64.0.1')).toBe(false)
  })
  it('knows IPv6 unique-local, link-local and loopback addresses', () => {
    for (const ip of ['fd00::1', 'fe80::1', '::1']) expect(isPrivateIp(ip), ip).toBe(true)
  })
  it('answers false for anything that is not an address', () => {
    for (const ip of ['AWS Internal', 'sqs.amazonaws.com', '', null, undefined, 12, '10.0.0']) {
      expect(isPrivateIp(ip)).toBe(false)
      expect(isGlobalIp(ip)).toBe(false)
    }
  })
})

describe('getMispWarningLists', () => {
  const enriched = (rows: unknown): JsonObject =>
    ({ p_enrichment: { misp_warning_lists: { p_any_ip_addresses: rows } } }) as JsonObject

  it('is null when the MISP table matched nothing', () => {
    expect(getMispWarningLists(event({ sourceIPAddress: '1.2.3.4' }))).toBeNull()
    expect(getMispWarningLists(event({ p_enrichment: { ipinfo_asn: { x: {} } } }))).toBeNull()
  })
  it('finds a warning list id on the row of the given address only', () => {
    const misp = getMispWarningLists(
      event(
        enriched([
          { p_match: '3.3.3.3', warning_lists: [{ id: 'amazon-aws' }] },
          { p_match: '8.8.8.8', warning_lists: [{ id: 'google-gcp' }, { id: 'public-dns' }] },
        ]),
      ),
    )
    expect(misp).not.toBeNull()
    expect(misp?.hasWarningListId('3.3.3.3', 'amazon-aws')).toBe(true)
    expect(misp?.hasWarningListId('8.8.8.8', 'public-dns')).toBe(true)
    expect(misp?.hasWarningListId('8.8.8.8', 'amazon-aws')).toBe(false)
    expect(misp?.hasWarningListId('9.9.9.9', 'amazon-aws')).toBe(false)
  })
  it('reads the lists and CIDRs matched for a field', () => {
    const misp = getMispWarningLists(
      event({
        p_enrichment: {
          misp_warning_lists: {
            sourceIPAddress: { warning_lists: [{ id: 'a' }], cidr: '3.0.0.0/8' },
          },
        },
      }),
    )
    expect(misp?.warningLists('sourceIPAddress')).toEqual([{ id: 'a' }])
    expect(misp?.cidr('sourceIPAddress')).toBe('3.0.0.0/8')
    expect(misp?.hasWarningListId('3.3.3.3', 'a')).toBe(false)
  })
})

describe('awsRegions', () => {
  it('lists each commercial region once', () => {
    const regions = awsRegions()
    expect(new Set(regions).size).toBe(regions.length)
    expect(regions).toContain('us-east-1')
    expect(regions).toContain('il-central-1')
    expect(isAwsRegion('eu-west-3')).toBe(true)
    expect(isAwsRegion('mars-north-1')).toBe(false)
    expect(isAwsRegion(undefined)).toBe(false)
  })
})

describe('isAwsServiceCall', () => {
  it('recognises service source addresses, service identities and invokedBy', () => {
    expect(isAwsServiceCall(event({ sourceIPAddress: 'autoscaling.amazonaws.com' }))).toBe(true)
    expect(isAwsServiceCall(event({ userIdentity: { type: 'AWSService' } }))).toBe(true)
    expect(isAwsServiceCall(event({ userIdentity: { invokedBy: 'AWS Internal' } }))).toBe(true)
    expect(isAwsServiceCall(event({ userIdentity: { invokedBy: 'eks.amazonaws.com' } }))).toBe(true)
  })
  it('keeps console users whose source address reads "AWS Internal"', () => {
    const consoleUser = { sourceIPAddress: 'AWS Internal', userIdentity: { type: 'AssumedRole' } }
    expect(isAwsServiceCall(event(consoleUser))).toBe(false)
    expect(isAwsServiceCall(event({ sourceIPAddress: '1.2.3.4' }))).toBe(false)
  })
})

describe('rootActivityContext', () => {
  it('reports missing fields as null', () => {
    expect(
      rootActivityContext(event({ sourceIPAddress: '1.2.3.4', userIdentity: { type: 'Root' } })),
    ).toEqual({
      sourceIPAddress: '1.2.3.4',
      userIdentityAccountId: null,
      userIdentityArn: null,
      eventTime: null,
      mfaUsed: null,
    })
  })
})
