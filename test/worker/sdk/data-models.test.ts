/**
 * The identity-provider data models the Standard.* rules read through `udm()`: each maps its log type's
 * own fields to the standard names (event_type, actor_user, source_ip, user).
 */
import { describe, expect, it } from 'vitest'
import { dataModelFor, EventWrapper } from '../../../src/engine/index'
import type { JsonObject, JsonValue } from '../../../src/types'

function udm(logType: string, record: JsonObject, key: string): JsonValue | undefined {
  const model = dataModelFor(logType)
  if (model === undefined) throw new Error(`no data model for ${logType}`)
  return new EventWrapper({ p_log_type: logType, ...record }, model).udm(key)
}

function udmPath(logType: string, record: JsonObject, key: string): string | undefined {
  return new EventWrapper({ p_log_type: logType, ...record }, dataModelFor(logType)).udmPath(key)
}

describe('event_type mappings', () => {
  const cases: [string, JsonObject, string | null][] = [
    ['Okta.SystemLog', { eventType: 'user.session.start', outcome: { result: 'FAILURE' } }, 'failed_login'],
    ['Okta.SystemLog', { eventType: 'user.session.start', outcome: { result: 'SUCCESS' } }, 'successful_login'],
    ['Okta.SystemLog', { eventType: 'user.mfa.factor.deactivate', outcome: { reason: 'User reset FACTOR' } }, 'mfa_reset'],
    ['Okta.SystemLog', { eventType: 'user.mfa.factor.suspend', outcome: {} }, 'mfa_disabled'],
    ['Okta.SystemLog', { eventType: 'system.mfa.factor.deactivate' }, 'admin_mfa_disabled'],
    ['Okta.SystemLog', { eventType: 'user.lifecycle.create' }, null],
    ['OneLogin.Events', { event_type_id: 6 }, 'failed_login'],
    ['OneLogin.Events', { event_type_id: '5' }, 'successful_login'],
    ['OneLogin.Events', { event_type_id: 13 }, 'user_account_created'],
    ['OneLogin.Events', { event_type_id: 72, privilege_name: 'Super user' }, 'admin_role_assigned'],
    ['OneLogin.Events', { event_type_id: 72, privilege_name: 'Reader' }, null],
    ['Box.Event', { event_type: 'FAILED_LOGIN' }, 'failed_login'],
    ['Box.Event', { event_type: 'LOGIN' }, 'successful_login'],
    ['Asana.Audit', { event_type: 'user_login_failed' }, 'failed_login'],
    ['Asana.Audit', { event_type: 'user_invited' }, 'user_account_created'],
    ['Asana.Audit', { event_type: 'task_created' }, null],
    ['OnePassword.SignInAttempt', { category: 'mfa_failed' }, 'failed_login'],
    ['OnePassword.SignInAttempt', { category: 'success' }, 'successful_login'],
    ['Notion.AuditLogs', { event: { type: 'user.login' } }, 'successful_login'],
    ['Notion.AuditLogs', { event: { type: 'page.created' } }, 'page.created'],
    ['Zoom.Operation', { category_type: 'User', action: 'Add' }, 'user_account_created'],
    ['Zoom.Operation', { category_type: 'User', action: 'Update', operation_detail: 'Change Role  - user: Member to Admin' }, 'admin_role_assigned'],
    ['Zoom.Operation', { category_type: 'Role', action: 'Delete' }, 'user_role_deleted'],
    ['Zoom.Activity', { type: 'Sign in' }, 'successful_login'],
    ['Azure.Audit', { operationName: 'Sign-in activity', properties: { status: { errorCode: 50126 } } }, 'failed_login'],
    ['Azure.Audit', { operationname: 'Sign-in activity', properties: {} }, 'successful_login'],
    ['Azure.Audit', { operationName: 'Add member to role' }, null],
    ['Atlassian.Audit', { AuditLog: { Type: 'user_login' } }, 'successful_login'],
    ['Atlassian.Audit', { AuditLog: { Type: 'added_org_admin' } }, 'admin_role_assigned'],
    ['GSuite.Reports', { id: { applicationName: 'login' }, events: [{ type: 'login', name: 'login_failure' }] }, 'failed_login'],
    ['GSuite.Reports', { id: { applicationName: 'login' }, events: [{ type: 'login', name: 'login_success' }] }, 'successful_login'],
    ['GSuite.ActivityEvent', { id: { applicationName: 'login' }, type: 'login', name: 'login_failure' }, 'failed_login'],
    ['GSuite.ActivityEvent', { id: { applicationName: 'drive' }, type: 'access', name: 'view' }, null],
  ]
  for (const [logType, record, expected] of cases) {
    it(`${logType} ${JSON.stringify(record)} → ${expected}`, () => {
      expect(udm(logType, record, 'event_type') ?? null).toBe(expected)
    })
  }
})

describe('actor, user and source address mappings', () => {
  it('Okta: login name, else display name; client address', () => {
    expect(udm('Okta.SystemLog', { actor: { alternateId: 'a@x.io', displayName: 'A' } }, 'actor_user')).toBe('a@x.io')
    expect(udm('Okta.SystemLog', { actor: { alternateId: 'unknown', displayName: 'A' } }, 'actor_user')).toBe('A')
    expect(udmPath('Okta.SystemLog', { client: { ipAddress: '1.2.3.4' } }, 'source_ip')).toBe('client.ipAddress')
  })
  it('Notion: the person email when the actor is a person, else its id', () => {
    expect(udm('Notion.AuditLogs', { event: { actor: { id: 'u1', person: { email: 'p@x.io' } } } }, 'actor_user')).toBe('p@x.io')
    expect(udm('Notion.AuditLogs', { event: { actor: { id: 'bot-1' } } }, 'actor_user')).toBe('bot-1')
  })
  it('Azure: service principal or user principal by category', () => {
    const props = { servicePrincipalName: 'svc', userPrincipalName: 'u@x.io' }
    expect(udm('Azure.Audit', { category: 'ServicePrincipalSignInLogs', properties: props }, 'actor_user')).toBe('svc')
    expect(udm('Azure.Audit', { category: 'SignInLogs', properties: props }, 'actor_user')).toBe('u@x.io')
  })
  it('GSuite Reports: the USER_EMAIL parameter; several are an error', () => {
    const one = { events: [{ parameters: [{ name: 'USER_EMAIL', value: 'n@x.io' }] }] }
    expect(udm('GSuite.Reports', one, 'user')).toBe('n@x.io')
    const two = { events: [{ parameters: [{ name: 'USER_EMAIL', value: 'a' }] }, { parameters: [{ name: 'USER_EMAIL', value: 'b' }] }] }
    expect(() => udm('GSuite.Reports', two, 'user')).toThrow(/matched multiple fields/)
  })
  it('OneLogin: user and account of the record', () => {
    expect(udm('OneLogin.Events', { user_name: 'Bob', user_id: 7 }, 'user')).toBe('Bob')
    expect(udm('OneLogin.Events', { user_name: 'Bob', user_id: 7 }, 'user_account_id')).toBe(7)
  })
})
