// Runs before every worker test file: brings the file's (isolated) D1 database to the schema in migrations/.
import { applyD1Migrations } from 'cloudflare:test'
import { env } from 'cloudflare:workers'

await applyD1Migrations(env.ALERTS_DB, env.TEST_MIGRATIONS)
