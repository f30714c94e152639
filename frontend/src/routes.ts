import type { Component } from 'svelte';
import type { MessageKey } from './lib/i18n/locale.svelte';
import type { Access } from './lib/roles';
import Activate from './pages/Activate.svelte';
import AdminAudit from './pages/admin/Audit.svelte';
import AdminCategories from './pages/admin/Categories.svelte';
import AdminCategoryInspectors from './pages/admin/CategoryInspectors.svelte';
import AdminFunctions from './pages/admin/Functions.svelte';
import AdminOutbox from './pages/admin/Outbox.svelte';
import AdminRoleRequests from './pages/admin/RoleRequests.svelte';
import AdminTexts from './pages/admin/Texts.svelte';
import AdminUser from './pages/admin/User.svelte';
import AdminUnitInspection from './pages/admin/UnitInspection.svelte';
import AdminUsers from './pages/admin/Users.svelte';
import Case from './pages/Case.svelte';
import CaseNew from './pages/CaseNew.svelte';
import Cases from './pages/Cases.svelte';
import ChangeRequests from './pages/ChangeRequests.svelte';
import Documents from './pages/Documents.svelte';
import Forgot from './pages/Forgot.svelte';
import Home from './pages/Home.svelte';
import Imports from './pages/Imports.svelte';
import Invitation from './pages/Invitation.svelte';
import Login from './pages/Login.svelte';
import Me from './pages/Me.svelte';
import Messages from './pages/Messages.svelte';
import NotFound from './pages/NotFound.svelte';
import Org from './pages/Org.svelte';
import Orgs from './pages/Orgs.svelte';
import Privacy from './pages/Privacy.svelte';
import Register from './pages/Register.svelte';
import Reset from './pages/Reset.svelte';
import Setup from './pages/Setup.svelte';
import Transfers from './pages/Transfers.svelte';
import Unit from './pages/Unit.svelte';
import Units from './pages/Units.svelte';

/** One page of the SPA: its path pattern, its title in the catalogue, who may see it, its component. */
export interface Route {
	path: string;
	title: MessageKey;
	/** Checked by App before the page is shown; the server checks every call again. Default public. */
	access?: Access;
	// Svelte types a page without $props() as taking no props at all, so the table cannot
	// say Component<PageProps>; a page that reads params declares `$props(): PageProps`
	// (lib/router.svelte.ts, so that pages need not import this table that imports them).
	component: Component<any>;
}

/** Every page; a new one is one line here and one file in pages/. First match wins. */
export const routes: readonly Route[] = [
	{ path: '/', title: 'home.title', component: Home },
	{ path: '/setup', title: 'setup.title', component: Setup },
	{ path: '/login', title: 'login.title', component: Login },
	{ path: '/register', title: 'register.title', component: Register },
	{ path: '/activate', title: 'activate.title', component: Activate },
	{ path: '/invitation', title: 'invitation.title', component: Invitation },
	{ path: '/forgot', title: 'forgot.title', component: Forgot },
	{ path: '/reset', title: 'reset.title', component: Reset },
	{ path: '/privacy', title: 'privacy.title', component: Privacy },
	{ path: '/me', title: 'me.title', access: 'user', component: Me },
	{ path: '/cases', title: 'cases.title', access: 'user', component: Cases },
	{ path: '/cases/new', title: 'caseNew.title', access: 'caseCreator', component: CaseNew },
	{ path: '/cases/:id', title: 'case.pageTitle', access: 'user', component: Case },
	// Who sees what there comes from the account's memberships (GET /api/me): the pages say so.
	{ path: '/transfers', title: 'transfers.title', access: 'user', component: Transfers },
	{ path: '/inspection', title: 'inspection.title', access: 'user', component: AdminUnitInspection },
	{ path: '/inspectors', title: 'inspection.inspectorsTitle', access: 'user', component: AdminCategoryInspectors },
	// Who may read or keep an organisation or a unit is the server's to say, page by page.
	{ path: '/orgs', title: 'orgs.title', access: 'user', component: Orgs },
	{ path: '/orgs/:id', title: 'org.title', access: 'user', component: Org },
	{ path: '/units', title: 'units.title', access: 'user', component: Units },
	{ path: '/units/:id', title: 'unit.title', access: 'user', component: Unit },
	// The secretariat's queue, and anyone's own requests.
	{ path: '/change-requests', title: 'changeRequests.pageTitle', access: 'user', component: ChangeRequests },
	{ path: '/messages', title: 'messages.title', access: 'writer', component: Messages },
	{ path: '/documents', title: 'documents.title', access: 'user', component: Documents },
	{ path: '/admin/functions', title: 'functions.title', access: 'secretariat', component: AdminFunctions },
	{ path: '/imports', title: 'imports.title', access: 'user', component: Imports },
	{ path: '/admin/users', title: 'users.title', access: 'admin', component: AdminUsers },
	{ path: '/admin/users/:id', title: 'user.title', access: 'admin', component: AdminUser },
	{ path: '/admin/role-requests', title: 'requests.title', access: 'scopeAdmin', component: AdminRoleRequests },
	{ path: '/admin/categories', title: 'categories.title', access: 'admin', component: AdminCategories },
	{ path: '/admin/texts', title: 'texts.title', access: 'admin', component: AdminTexts },
	{ path: '/admin/audit', title: 'audit.title', access: 'scopeAdmin', component: AdminAudit },
	{ path: '/admin/outbox', title: 'outbox.title', access: 'superadmin', component: AdminOutbox }
];

/** Shown for any path no route matches. */
export const notFoundRoute: Route = { path: '*', title: 'notFound.title', component: NotFound };
