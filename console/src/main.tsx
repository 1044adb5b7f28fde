import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { SignIn } from './pages/SignIn.js';
import { router } from './router.js';
import { currentSession, onSessionChange, startSession } from './session.js';
import './styles.css';

const queries = new QueryClient({
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 5_000 } },
});

function Console() {
  const session = useSyncExternalStore(onSessionChange, currentSession);
  if (!session) return <SignIn />;
  return (
    <QueryClientProvider client={queries}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}

async function start(): Promise<void> {
  const root = createRoot(document.getElementById('root') as HTMLElement);
  try {
    await startSession();
  } catch (error) {
    root.render(<SignIn failure={error instanceof Error ? error.message : String(error)} />);
    return;
  }
  onSessionChange((session) => {
    if (!session) queries.clear();
  });
  root.render(
    <StrictMode>
      <Console />
    </StrictMode>,
  );
}

void start();
