import { useQuery } from '@tanstack/react-query';
import { Link, Outlet } from '@tanstack/react-router';
import { broker, unwrap } from '../api.js';
import { signOut } from '../session.js';

const SECTIONS = [
  { to: '/secrets', title: 'Secrets' },
  { to: '/access', title: 'Access' },
  { to: '/grants', title: 'Grants and roles' },
  { to: '/audit', title: 'Audit log' },
  { to: '/webhooks', title: 'Webhooks' },
  { to: '/leases', title: 'Leases' },
  { to: '/me', title: 'Me' },
] as const;

export function useWhoami() {
  return useQuery({ queryKey: ['whoami'], queryFn: () => unwrap(broker().GET('/v1/whoami')), staleTime: 30_000 });
}

export function Layout() {
  const whoami = useWhoami();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">secrets-broker</span>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map((section) => (
              <li key={section.to}>
                <Link to={section.to} activeProps={{ 'aria-current': 'page', className: 'active' }}>
                  {section.title}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="identity">
          <span aria-label="Signed in as">{whoami.data?.subject ?? '…'}</span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}

export function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p>
        This page does not exist. <Link to="/secrets">Back to the secrets</Link>.
      </p>
    </>
  );
}
