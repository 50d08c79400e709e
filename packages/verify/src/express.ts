import type { IncomingMessage, ServerResponse } from 'node:http';
import { createVerifier, type GatehouseCaller, type Verifier, type VerifierOptions } from './verifier';

declare global {
  namespace Express {
    interface Request {
      /** Who is calling: set by `requireScope`, so read it only in routes that require a scope. */
      gatehouse: GatehouseCaller;
    }
  }
}

/** A request as Express and plain Connect hand it to middleware: Node's, with Express's route parameters. */
export type ConnectRequest = IncomingMessage & {
  params?: Record<string, string>;
  gatehouse?: GatehouseCaller;
};

export type ConnectMiddleware = (
  req: ConnectRequest,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

export interface MiddlewareOptions extends VerifierOptions {
  /** The Tenant ID the request names; by default Express's `req.params.tenant`, when the route has one. */
  tenantOf?: (req: ConnectRequest) => string | undefined;
}

export interface GatehouseMiddleware {
  /** Middleware that lets the call through only with Gatehouse credentials that grant `scope`. */
  requireScope(scope: string): ConnectMiddleware;
  verifier: Verifier;
}

/**
 * Express and Connect: `const { requireScope } = gatehouseMiddleware({ issuer })`, then
 * `app.get(path, requireScope(scope), handler)`. Sets `req.gatehouse` to the caller; a refusal is answered
 * with Node's own response methods, so plain Connect works too.
 */
export function gatehouseMiddleware(options: MiddlewareOptions): GatehouseMiddleware {
  const verifier = createVerifier(options);
  const tenantOf = options.tenantOf ?? ((req: ConnectRequest) => req.params?.tenant);
  const requireScope =
    (scope: string): ConnectMiddleware =>
    (req, res, next) => {
      verifier
        .verify({
          appKey: req.headers['st-app-key'],
          authorization: req.headers.authorization,
          scope,
          tenant: tenantOf(req),
        })
        .then((result) => {
          if (result.ok) {
            req.gatehouse = result.caller;
            return next();
          }
          res.statusCode = result.status;
          for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
          res.setHeader('content-type', 'application/json; charset=utf-8');
          res.end(JSON.stringify(result.body));
        }, next);
    };
  return { requireScope, verifier };
}
