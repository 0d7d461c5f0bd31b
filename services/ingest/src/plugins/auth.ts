import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import {
  authorize,
  checkSignature,
  credentialsOf,
  isPermission,
  OPEN_PATHS,
  SIGNATURE_HEADER,
  type Principal,
  type RoutePermission,
  type Security,
} from '@zixly/auth'
import { Forbidden, Unauthorized } from '@zixly/platform'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What a caller must be allowed to do to reach this route (see POLICY in @zixly/auth), or
     * `public`. A route without one is refused to everyone: default deny.
     */
    permission?: RoutePermission | 'authenticated'
    /** Webhook route: API-key requests of a tenant with a signing secret must be signed. */
    signed?: boolean
  }
  interface FastifyRequest {
    /** Who the request acts as; set before any handler of a non-public route runs. */
    principal: Principal | null
  }
}

export interface AuthPluginOptions {
  security: Security
  now: () => Date
}

/** The authenticated principal of a request; throws 401 on a route that let an anonymous caller in. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new Unauthorized()
  return req.principal
}

/** The tenant a request acts for: always the authenticated one. */
export function tenantOf(req: FastifyRequest): string {
  return principalOf(req).tenantId
}

/**
 * Authentication and authorization of every route from its `config.permission`: credentials checked
 * before the body is read (onRequest), the role checked against the policy table, and for signed
 * webhook routes the HMAC of the raw body checked once the body is in (preValidation), each signature
 * accepted once.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: AuthPluginOptions) => {
    const { security } = opts
    app.decorateRequest('principal', null)

    app.addHook('onRequest', async (req, reply) => {
      // Unknown routes answer 404 (nothing behind them to protect); preflights carry no credentials.
      if (req.is404 || req.method === 'OPTIONS') return
      const permission = req.routeOptions.config.permission
      if (permission === 'public' || OPEN_PATHS.includes(req.routeOptions.url ?? '')) return
      const principal = await security.authenticator.authenticate(credentialsOf(req.headers))
      if (!principal) {
        void reply.header('www-authenticate', 'Bearer realm="zixly"')
        throw new Unauthorized('valid credentials are required (X-API-Key, Authorization: Bearer, or a session)')
      }
      req.principal = principal
      if (permission === 'authenticated') return
      if (!isPermission(permission)) {
        req.log.warn({ route: req.routeOptions.url }, 'route declares no permission; refused (default deny)')
        throw new Forbidden('this route is not open to any role')
      }
      if (!authorize(principal, permission)) throw new Forbidden(`the role ${principal.role} may not do ${permission}`)
    })

    app.addHook('preValidation', async (req) => {
      const p = req.principal
      if (!req.routeOptions.config.signed || !p || p.kind !== 'api_key' || !p.signingSecret) return
      const header = req.headers[SIGNATURE_HEADER]
      const check = checkSignature({
        header: typeof header === 'string' ? header : undefined,
        rawBody: req.rawBody ?? '',
        secret: p.signingSecret,
        nowSeconds: Math.floor(opts.now().getTime() / 1000),
      })
      if (!check.ok) throw new Unauthorized(`webhook signature ${check.reason} (X-Zixly-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">)`)
      if (!(await security.replay.firstUse(p.tenantId, check.signature))) throw new Unauthorized('webhook signature already used')
    })
  },
  { name: 'zixly-auth', fastify: '5.x' },
)
