export {
  ASSERTION_HEADER,
  type AssertionRequest,
  type AssertionResult,
  type AssertionVerifier,
  type AssertionVerifierOptions,
  createAssertionVerifier,
  type GatewayAssertion,
} from './assertion';
export {
  type ConnectMiddleware,
  type ConnectRequest,
  type GatehouseMiddleware,
  gatehouseMiddleware,
  type MiddlewareOptions,
} from './express';
export { gatehouse } from './fastify';
export type { Refusal, RefusalBody, RefusalError } from './refusal';
export {
  createVerifier,
  type GatehouseCaller,
  type Verifier,
  type VerifierOptions,
  type VerifyRequest,
  type VerifyResult,
} from './verifier';
