import type { AppRouter } from '@gatehouse/server';
import {
  MutationCache,
  QueryCache,
  QueryClient,
  QueryClientProvider,
  type QueryKey,
  useQueryClient,
} from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { type ReactNode, useState } from 'react';
import superjson from 'superjson';

export type RouterOutputs = inferRouterOutputs<AppRouter>;

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** The caller's session ended (signed out elsewhere, removed from the team): not a refusal to show in place. */
function isSignedOut(error: unknown): boolean {
  return error instanceof TRPCClientError && error.data?.code === 'UNAUTHORIZED';
}

function makeQueryClient() {
  // A call refused for want of a session asks again who is signed in: the session check then sends the user to sign in.
  const onError = (error: unknown) => {
    if (isSignedOut(error)) void queryClient.invalidateQueries({ queryKey: [['auth', 'me']] });
  };
  const queryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // Retrying a refusal (signed out, not found, bad input) only delays the message.
        retry: (count, error) =>
          !(error instanceof TRPCClientError && error.data?.httpStatus < 500) && count < 2,
      },
    },
  });
  return queryClient;
}

export function ApiProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: '/trpc',
          transformer: superjson,
          headers: { 'x-gatehouse-csrf': '1' },
          fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

/** Reloads every query under the given keys (a tRPC `queryKey()` or `pathKey()`), as after a change. */
export function useReload(...queryKeys: QueryKey[]) {
  const queryClient = useQueryClient();
  return () => Promise.all(queryKeys.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}

/** `{ field: message }` from a refused call, for errors shown next to their fields. */
export function fieldErrorsFrom(error: unknown): Record<string, string> {
  if (error instanceof TRPCClientError) {
    const fieldErrors = (error.data as { fieldErrors?: Record<string, string> | null } | undefined)
      ?.fieldErrors;
    if (fieldErrors) return fieldErrors;
  }
  return {};
}

/**
 * What to tell the user about a failed call: the server's own words when it answered with them; otherwise
 * (no answer, or an answer that is not ours: a proxy's 502 page, a dropped connection) that it could not
 * be reached, never the browser's or the parser's raw text.
 */
export function messageFrom(error: unknown): string {
  if (error instanceof TRPCClientError) {
    if (error.shape && error.data) return error.message;
    return 'We could not reach Gatehouse. Check your connection and try again.';
  }
  if (error instanceof Error && error.message)
    return 'We could not reach Gatehouse. Check your connection and try again.';
  return 'Something went wrong.';
}

export function isNotFound(error: unknown): boolean {
  return error instanceof TRPCClientError && error.data?.code === 'NOT_FOUND';
}
