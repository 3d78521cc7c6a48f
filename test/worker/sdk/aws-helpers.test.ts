/**
 * Catalog helpers for the AWS rules: fnmatch-style patterns, the policyuniverse-style "internet accessible"
 * check on IAM policies, the RDS context and key conventions, the XZ AMI list and Python value idioms.
 */
import { describe, expect, it } from 'vitest'
import { EventWrapper } from '../../../src/engine/index'
import { isHumanCaller } from '../../../src/sdk/helpers/aws-identity'
import { policyIsInternetAccessible } from '../../../src/sdk/helpers/iam-policy'
import { XZ_AMIS } from '../../../src/sdk/helpers/iocs'
import { patternMatch, patternMatchList } from '../../../src/sdk/helpers/patterns'
import { awsRdsContext, rdsActor, rdsCallSucceeded, rdsResourceKey } from '../../../src/sdk/helpers/rds'
import { firstTruthy, strOrEmpty } from '../../../src/sdk/helpers/values'
import type { JsonObject } from '../../../src/types'

const event = (record: JsonObject) => new EventWrapper(record)

describe('patternMatch (fnmatch)', () => {
  it('matches the whole string, with * and ? crossing any character', () => {
    expect(patternMatch('macie2.amazonaws.com', 'macie*.amazonaws.com')).toBe(true)
    expect(patternMatch('macie.amazonaws.com', 'macie*.amazonaws.com')).toBe(true)
    expect(patternMatch('xmacie.amazonaws.com', 'macie*.amazonaws.com')).toBe(false)
    expect(patternMatch('arn:aws:iam::1:role/path/DeployRole', '*DeployRole')).toBe(true)
    expect(patternMatch('a/b', 'a?b')).toBe(true)
  })
  it('treats regex metacharacters literally and is case-sensitive', () => {
    expect(patternMatch('macie2xamazonawsxcom', 'macie*.amazonaws.com')).toBe(false)
    expect(patternMatch('a+b(c)', 'a+b(c)')).toBe(true)
    expect(patternMatch('DEPLOYROLE', '*DeployRole')).toBe(false)
  })
  it('supports [seq], [!seq] and an unclosed [ as a literal', () => {
    expect(patternMatch('b', '[a-c]')).toBe(true)
    expect(patternMatch('-', '[a-c]')).toBe(false)
    expect(patternMatch('x', '[!a]')).toBe(true)
    expect(patternMatch('a', '[!a]')).toBe(false)
    expect(patternMatch('[x', '[x')).toBe(true)
  })
  it('fails like Python on a missing subject, and any-of for lists', () => {
    expect(() => patternMatch(null, '*')).toThrow(TypeError)
    expect(patternMatchList('s3.amazonaws.com', ['ec2.*', 's3.*'])).toBe(true)
    expect(patternMatchList('s3.amazonaws.com', [])).toBe(false)
  })
})

describe('policyIsInternetAccessible', () => {
  const allow = (statement: JsonObject) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', ...statement }] })
  it('flags a wildcard principal, a wildcard account and NotPrincipal', () => {
    expect(policyIsInternetAccessible(allow({ Principal: '*' }))).toBe(true)
    expect(policyIsInternetAccessible(allow({ Principal: { AWS: '*' } }))).toBe(true)
    expect(policyIsInternetAccessible(allow({ Principal: { AWS: ['arn:aws:iam::111122223333:root', 'arn:aws:iam::*:root'] } }))).toBe(true)
    expect(policyIsInternetAccessible(allow({ NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' } }))).toBe(true)
  })
  it('does not flag named accounts, services, S3 ARNs or Deny statements', () => {
    expect(policyIsInternetAccessible(allow({ Principal: { AWS: 'arn:aws:iam::111122223333:role/x' } }))).toBe(false)
    expect(policyIsInternetAccessible(allow({ Principal: { AWS: '111122223333' } }))).toBe(false)
    expect(policyIsInternetAccessible(allow({ Principal: { Service: 'ec2.amazonaws.com' } }))).toBe(false)
    expect(policyIsInternetAccessible(allow({ Principal: 'arn:aws:s3:::bucket' }))).toBe(false)
    expect(policyIsInternetAccessible({ Statement: { Effect: 'Deny', Principal: '*' } })).toBe(false)
    expect(policyIsInternetAccessible({})).toBe(false)
  })
  it('lets restricting conditions close a wildcard principal, but not weak or negated ones', () => {
    const cond = (Condition: JsonObject) => policyIsInternetAccessible(allow({ Principal: '*', Condition }))
    expect(cond({ StringEquals: { 'aws:SourceAccount': '111122223333' } })).toBe(false)
    expect(cond({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } })).toBe(false)
    expect(cond({ StringLike: { 'aws:userid': 'AROAEXAMPLE:*' } })).toBe(false)
    expect(cond({ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } })).toBe(true)
    expect(cond({ StringEquals: { 'sts:ExternalId': '12345' } })).toBe(true)
    expect(cond({ StringNotEquals: { 'aws:SourceAccount': '111122223333' } })).toBe(true)
    expect(cond({ ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:*:topic' } })).toBe(true)
  })
  it('rejects documents that are not objects', () => {
    expect(() => policyIsInternetAccessible('policy')).toThrow(TypeError)
    expect(() => policyIsInternetAccessible({ Statement: ['x'] })).toThrow(TypeError)
  })
})

describe('RDS helpers', () => {
  const modify = event({
    eventSource: 'rds.amazonaws.com',
    eventName: 'ModifyDBCluster',
    awsRegion: 'us-west-2',
    recipientAccountId: '123456789012',
    userIdentity: { principalId: 'AIDA:someone' },
    requestParameters: { dBInstanceIdentifier: '', dBClusterIdentifier: 'aurora' },
    responseElements: { dBClusterArn: 'arn:aws:rds:us-west-2:123456789012:cluster:aurora' },
  })
  it('adds the database and its ARN to the CloudTrail context, instance first, else cluster', () => {
    const context = awsRdsContext(modify)
    expect(context.db_identifier).toBe('aurora')
    expect(context.db_instance_arn).toBe('arn:aws:rds:us-west-2:123456789012:cluster:aurora')
    expect(context.eventName).toBe('ModifyDBCluster')
    expect(awsRdsContext(event({})).db_identifier).toBe('N/A')
  })
  it('names the actor, keys resources by account and region, and needs errorCode to be absent', () => {
    expect(rdsActor(modify)).toBe('AIDA:someone')
    expect(rdsActor(event({}))).toBe('<UNKNOWN_USER>')
    expect(rdsResourceKey(modify, 'aurora')).toBe('123456789012:us-west-2:aurora')
    expect(rdsResourceKey(event({ awsRegion: null }), 'x')).toBe('unknown:None:x')
    const names = new Set(['ModifyDBCluster'])
    expect(rdsCallSucceeded(modify, names)).toBe(true)
    expect(rdsCallSucceeded(event({ ...modify.raw, errorCode: '' }), names)).toBe(false)
    expect(rdsCallSucceeded(event({ ...modify.raw, eventSource: 'ec2.amazonaws.com' }), names)).toBe(false)
  })
})

describe('identity and value idioms', () => {
  it('classifies users, federated users and SSO sessions as people, other roles as automation', () => {
    expect(isHumanCaller(event({ userIdentity: { type: 'IAMUser' } }))).toBe(true)
    expect(isHumanCaller(event({ userIdentity: { type: 'FederatedUser' } }))).toBe(true)
    const role = (userName: string) => event({ userIdentity: { type: 'AssumedRole', sessionContext: { sessionIssuer: { userName } } } })
    expect(isHumanCaller(role('AWSReservedSSO_Admin_abc'))).toBe(true)
    expect(isHumanCaller(role('ci-deployer'))).toBe(false)
    expect(isHumanCaller(event({ userIdentity: { type: 'AWSService' } }))).toBe(false)
  })
  it('firstTruthy is Python `or`; strOrEmpty maps non-strings to the empty dedup', () => {
    expect(firstTruthy('', 0, 'x')).toBe('x')
    expect(firstTruthy(null, '')).toBe('')
    expect(strOrEmpty('a')).toBe('a')
    expect(strOrEmpty(null)).toBe('')
    expect(strOrEmpty(12)).toBe('')
  })
  it('knows the backdoored xz AMIs', () => {
    expect(XZ_AMIS.size).toBe(252)
    expect(XZ_AMIS.has('ami-020a359780bc6f835')).toBe(true)
    expect(XZ_AMIS.has('ami-08e2d37b6a0129927')).toBe(false)
  })
})
