/** The parts of swagger-ui-react's component the API reference uses (the package ships no types). */
declare module 'swagger-ui-react' {
  import type { ComponentType } from 'react';

  export interface SwaggerSystem {
    /** Fills in the value of a security scheme of the document (an API key, or a bearer token). */
    preauthorizeApiKey(scheme: string, value: string): unknown;
  }

  export interface SwaggerUIProps {
    url?: string;
    docExpansion?: 'list' | 'full' | 'none';
    defaultModelsExpandDepth?: number;
    displayRequestDuration?: boolean;
    persistAuthorization?: boolean;
    deepLinking?: boolean;
    onComplete?: (system: SwaggerSystem) => void;
    /** Swagger UI plugins: here, components put in place of its own. */
    plugins?: { components?: Record<string, ComponentType> }[];
  }

  const SwaggerUI: ComponentType<SwaggerUIProps>;
  export default SwaggerUI;
}
