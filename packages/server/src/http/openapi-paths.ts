import { describeScope, ENVIRONMENT_LABEL, type Environment } from '@gatehouse/domain';
import { DEMO_RESOURCES } from '../resource-api/demo-data';
import { type GateTarget, gateTarget, scopeFor } from '../resource-api/targets';

interface Parameter {
  in: string;
  name: string;
}

interface Operation {
  parameters?: Parameter[];
  summary?: string;
  description?: string;
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  'x-scope'?: string;
}

type PathItem = Record<string, Operation>;

/** The parts of an OpenAPI document this module reads and writes. */
export interface OpenApiDocument {
  paths?: Record<string, PathItem>;
  servers?: { url: string; description?: string }[];
  tags?: { name: string; description?: string }[];
  [key: string]: unknown;
}

const OAUTH_TAG = 'OAuth 2.0';
/** The demo resource API's routes take any area and resource: `/api/{area}/v2/tenant/{tenant}/{resource}`. */
const ANY_RESOURCE = /\{area\}|\{resource\}/;
const RESOURCE_PATH = /^\/api\/([\w-]+)\/v2\/tenant\/\{tenant\}\/([\w-]+)(\/\{id\})?$/;

/** What an operation does, for its summary. */
function verbOf(method: string, item: boolean): string {
  if (method === 'post') return 'create one';
  if (method === 'patch') return 'update one';
  return item ? 'get one' : 'list';
}

/**
 * A resource operation as the gate sees it: the scope it needs is the gate's own (targets.ts, from the
 * scope catalog), and its tag is the catalog area's name.
 */
function describeResourceOperation(
  operation: Operation,
  method: string,
  target: GateTarget,
  item: boolean,
): Operation {
  const scope = scopeFor(target, method.toUpperCase());
  return {
    ...operation,
    operationId: `${method}-${target.area.path}-${target.resource.path}${item ? '-item' : ''}`,
    summary: `${target.resource.name}: ${verbOf(method, item)} (${scope})`,
    description: `Needs the scope \`${scope}\` (${describeScope(scope)}).`,
    tags: [target.area.name],
    security: [{ accessToken: [scope], appKey: [] }],
    'x-scope': scope,
  };
}

/** Keeps the path parameters the path still names (a resolved `{area}` is no parameter any more). */
function withParametersOf(path: string, operation: Operation): Operation {
  const parameters = operation.parameters?.filter((p) => p.in !== 'path' || path.includes(`{${p.name}}`));
  return parameters ? { ...operation, parameters } : operation;
}

/** One route's path as the paths it answers: the generic resource routes as each demo resource's. */
function concretePaths(path: string): string[] {
  if (!ANY_RESOURCE.test(path)) return [path];
  return Object.keys(DEMO_RESOURCES).map((demo) => {
    const [area, resource] = demo.split('/');
    return path.replace('{area}', area ?? '').replace('{resource}', resource ?? '');
  });
}

/**
 * One environment's document from the routes @fastify/swagger recorded for all of them: that
 * environment's paths without its prefix (the server URL carries it), the resource routes once per
 * demo resource, each resource operation with the scope the gate asks of it.
 */
export function openApiOfEnvironment(all: OpenApiDocument, environment: Environment): OpenApiDocument {
  const prefix = `/${environment}`;
  const paths: Record<string, PathItem> = {};
  const tags = new Set<string>();
  for (const [fullPath, item] of Object.entries(all.paths ?? {})) {
    if (!fullPath.startsWith(`${prefix}/`)) continue;
    for (const path of concretePaths(fullPath.slice(prefix.length))) {
      const match = RESOURCE_PATH.exec(path);
      const target = match && gateTarget(match[1] ?? '', match[2] ?? '');
      const pathItem: PathItem = paths[path] ?? {};
      paths[path] = pathItem;
      for (const [method, operation] of Object.entries(item)) {
        const own = withParametersOf(path, structuredClone(operation));
        const described = target
          ? describeResourceOperation(own, method, target, match?.[3] !== undefined)
          : { ...own, tags: own.tags ?? [OAUTH_TAG] };
        pathItem[method] = described;
        for (const tag of described.tags ?? []) tags.add(tag);
      }
    }
  }
  return {
    ...all,
    servers: [{ url: prefix, description: ENVIRONMENT_LABEL[environment] }],
    tags: [...tags].map((name) => ({ name })),
    paths,
  };
}
