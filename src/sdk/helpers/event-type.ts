/**
 * Panther's standard `event_type` values (`panther_event_type_helpers`), returned by data models'
 * `event_type` mappings and compared by the Standard.* rules.
 */
export const ADMIN_ROLE_ASSIGNED = 'admin_role_assigned'
export const FAILED_LOGIN = 'failed_login'
export const MFA_DISABLED = 'mfa_disabled'
export const MFA_ENABLED = 'mfa_enabled'
export const MFA_RESET = 'mfa_reset'
export const SUCCESSFUL_LOGIN = 'successful_login'
export const SUCCESSFUL_LOGOUT = 'successful_logout'
/** An account tied to one user or service user. */
export const USER_ACCOUNT_CREATED = 'user_account_created'
/** An account not tied to a user, such as a billing account. */
export const ACCOUNT_CREATED = 'account_created'
export const USER_ACCOUNT_DELETED = 'user_account_deleted'
export const USER_ACCOUNT_MODIFIED = 'user_account_modified'
export const USER_GROUP_CREATED = 'user_group_created'
export const USER_GROUP_MODIFIED = 'user_group_modified'
export const USER_GROUP_DELETED = 'user_group_deleted'
export const USER_ROLE_CREATED = 'user_role_created'
export const USER_ROLE_MODIFIED = 'user_role_modified'
export const USER_ROLE_DELETED = 'user_role_deleted'
/** MFA turned off for a whole organisation or account. */
export const ADMIN_MFA_DISABLED = 'admin_mfa_disabled'
export const PERMISSION_GRANTED = 'permission_granted'
export const PERMISSION_REVOKED = 'permission_revoked'
export const SECURITY_CONFIG_CHANGED = 'security_config_changed'
