import { useQueryClient } from '@tanstack/react-query';
import { createClient } from 'graphql-ws';
import { useEffect, useState } from 'react';
import { currentSession } from './session.js';

const ACCESS_REQUEST_EVENTS = 'subscription { accessRequestEvents { type request { id state } } }';

export type LiveState = 'connecting' | 'live' | 'offline';

/**
 * Follows `accessRequestEvents` over graphql-ws (the token in the connection parameters, never
 * in the URL) and refreshes the access requests and grants shown whenever one changes.
 */
export function useLiveAccessRequests(): LiveState {
  const queries = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    // A disposed client still reports its closing; only the current one may set the state.
    let current = true;
    const report = (next: LiveState) => current && setState(next);
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const client = createClient({
      url: `${scheme}://${window.location.host}/graphql`,
      connectionParams: { authorization: `Bearer ${currentSession()?.token ?? ''}` },
      retryAttempts: 5,
      on: {
        connected: () => report('live'),
        closed: () => report('offline'),
      },
    });
    const stop = client.subscribe(
      { query: ACCESS_REQUEST_EVENTS },
      {
        next: () => {
          void queries.invalidateQueries({ queryKey: ['access'] });
          void queries.invalidateQueries({ queryKey: ['whoami'] });
        },
        error: () => report('offline'),
        complete: () => report('offline'),
      },
    );
    return () => {
      current = false;
      stop();
      void client.dispose();
    };
  }, [queries]);
  return state;
}
