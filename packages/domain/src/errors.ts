/**
 * Typed business-rule failures. The server maps each code in one place: to a
 * tRPC code for the portals, and to an HTTP status with an error code at the
 * REST edge (the resource API answers its refused input with them).
 */
export type DomainErrorCode =
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'CONFLICT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  /** Something this server is not set up to do, or cannot do right now. */
  | 'UNAVAILABLE';

export type FieldErrors = Record<string, string>;

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly fieldErrors: FieldErrors | undefined;

  constructor(code: DomainErrorCode, message: string, fieldErrors?: FieldErrors) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.fieldErrors = fieldErrors;
  }
}

/** One message for every record the caller may not see: foreign and missing look the same. */
export function notFound(what: string): DomainError {
  return new DomainError('NOT_FOUND', `${what} not found`);
}

export function invalidField(field: string, message: string): DomainError {
  return new DomainError('INVALID_INPUT', message, { [field]: message });
}
