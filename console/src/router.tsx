import { createRootRoute, createRoute, createRouter, Navigate } from '@tanstack/react-router';
import { Layout, NotFound } from './components/Layout.js';
import { AccessPage, accessSearch } from './pages/Access.js';
import { AccessDetailPage } from './pages/AccessDetail.js';
import { AccessNewPage, accessNewSearch } from './pages/AccessNew.js';
import { AuditPage, auditSearch } from './pages/Audit.js';
import { GrantsPage } from './pages/Grants.js';
import { LeasesPage } from './pages/Leases.js';
import { MePage } from './pages/Me.js';
import { SecretDetailPage, secretDetailSearch } from './pages/SecretDetail.js';
import { SecretsPage, secretsSearch } from './pages/Secrets.js';
import { WebhooksPage, webhooksSearch } from './pages/Webhooks.js';

const root = createRootRoute({ component: Layout, notFoundComponent: NotFound });

const home = createRoute({
  getParentRoute: () => root,
  path: '/',
  component: () => <Navigate to="/secrets" search={{}} replace />,
});
const secrets = createRoute({
  getParentRoute: () => root,
  path: '/secrets',
  validateSearch: secretsSearch,
  component: SecretsPage,
});
const secretDetail = createRoute({
  getParentRoute: () => root,
  path: '/secrets/$namespace/$name',
  validateSearch: secretDetailSearch,
  component: SecretDetailPage,
});
const access = createRoute({
  getParentRoute: () => root,
  path: '/access',
  validateSearch: accessSearch,
  component: AccessPage,
});
const accessNew = createRoute({
  getParentRoute: () => root,
  path: '/access/new',
  validateSearch: accessNewSearch,
  component: AccessNewPage,
});
const accessDetail = createRoute({ getParentRoute: () => root, path: '/access/$id', component: AccessDetailPage });
const grants = createRoute({ getParentRoute: () => root, path: '/grants', component: GrantsPage });
const audit = createRoute({
  getParentRoute: () => root,
  path: '/audit',
  validateSearch: auditSearch,
  component: AuditPage,
});
const webhooks = createRoute({
  getParentRoute: () => root,
  path: '/webhooks',
  validateSearch: webhooksSearch,
  component: WebhooksPage,
});
const leases = createRoute({ getParentRoute: () => root, path: '/leases', component: LeasesPage });
const me = createRoute({ getParentRoute: () => root, path: '/me', component: MePage });

const routeTree = root.addChildren([
  home,
  secrets,
  secretDetail,
  access,
  accessNew,
  accessDetail,
  grants,
  audit,
  webhooks,
  leases,
  me,
]);

export const router = createRouter({ routeTree, basepath: '/console', defaultPreload: false });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
