/**
 * The Worker with the fault fixture rules added (`wrangler dev test/faults/worker.ts`, used by
 * `npm run faults`): the same app, bindings and Durable Object classes as src/worker/index.ts.
 *
 * Fault injection, for the storm case only: a request with `x-faults-inject: <p>` runs, with
 * probability p, on an env where one call fails: the n-th call (n drawn at random) to a Durable
 * Object of any namespace, or to the D1 database, either before it reaches its target or after it
 * was applied (its answer lost). Other requests, and the objects' own calls, see the real env.
 */
import { addRules } from '../../src/engine/index'
import worker from '../../src/worker/index'
import { FAULT_RULES } from './rules'

addRules(FAULT_RULES)

export * from '../../src/worker/index'

interface Plan {
  target: 'objects' | 'd1'
  mode: 'before' | 'after'
  /** The call (0-based, counted over the target's bindings) that fails. */
  at: number
  calls: number
}

const injected = (plan: Plan) =>
  new Error(`injected fault: ${plan.target} call ${plan.at} failed ${plan.mode} it was applied`)

/** Runs `call` as the plan says: counted, and failed when it is the chosen one. */
async function planned<T>(plan: Plan, target: Plan['target'], call: () => Promise<T>): Promise<T> {
  if (plan.target !== target || plan.calls++ !== plan.at) return call()
  if (plan.mode === 'before') throw injected(plan)
  await call()
  throw injected(plan)
}

function isNamespace(value: unknown): value is DurableObjectNamespace {
  return typeof value === 'object' && value !== null && 'idFromName' in value && 'get' in value
}

function isD1(value: unknown): value is D1Database {
  return typeof value === 'object' && value !== null && 'prepare' in value && 'batch' in value
}

function faultyObjects(ns: DurableObjectNamespace, plan: Plan): DurableObjectNamespace {
  return new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown
      if (prop !== 'get') return typeof value === 'function' ? value.bind(target) : value
      return (id: DurableObjectId) => {
        const stub = target.get(id)
        return new Proxy(stub, {
          get(s, p) {
            const method = Reflect.get(s, p) as unknown
            if (typeof p !== 'string' || p === 'then' || typeof method !== 'function') return method
            return (...args: unknown[]) =>
              planned(plan, 'objects', () =>
                Promise.resolve((method as (...a: unknown[]) => unknown).apply(s, args)),
              )
          },
        })
      }
    },
  })
}

function faultyD1(db: D1Database, plan: Plan): D1Database {
  // Each wrapper's real statement: a D1 batch takes only real ones.
  const real = new WeakMap<object, D1PreparedStatement>()
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown
        if (typeof value !== 'function') return value
        if (prop === 'bind') return (...args: unknown[]) => wrap(target.bind(...args))
        if (prop === 'first' || prop === 'all' || prop === 'run' || prop === 'raw') {
          return (...args: unknown[]) =>
            planned(plan, 'd1', () =>
              (value as (...a: unknown[]) => Promise<unknown>).apply(target, args),
            )
        }
        return value.bind(target)
      },
    })
    real.set(wrapped, stmt)
    return wrapped
  }
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (query: string) => wrap(target.prepare(query))
      if (prop === 'batch') {
        return (stmts: D1PreparedStatement[]) =>
          planned(plan, 'd1', () => target.batch(stmts.map((s) => real.get(s) ?? s)))
      }
      const value = Reflect.get(target, prop) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

function withFault(env: Env): Env {
  const plan: Plan =
    Math.random() < 0.7
      ? { target: 'objects', mode: Math.random() < 0.5 ? 'before' : 'after', at: randInt(24), calls: 0 }
      : { target: 'd1', mode: Math.random() < 0.5 ? 'before' : 'after', at: randInt(3), calls: 0 }
  const out: Record<string, unknown> = { ...env }
  for (const [name, value] of Object.entries(env)) {
    if (isNamespace(value)) out[name] = faultyObjects(value, plan)
    else if (isD1(value)) out[name] = faultyD1(value, plan)
  }
  return out as unknown as Env
}

function randInt(n: number): number {
  return Math.floor(Math.random() * n)
}

export default {
  ...worker,
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const rate = Number(request.headers.get('x-faults-inject') ?? 0)
    const faulty = rate > 0 && Math.random() < rate
    return worker.fetch(request, faulty ? withFault(env) : env, ctx)
  },
} satisfies ExportedHandler<Env>
