import { beforeEach, describe, expect, it } from 'vitest';
import {
	findRoute,
	interceptLinkClick,
	loginPath,
	matchPath,
	navigate,
	queryParams,
	router,
	safeNext,
	startRouter,
	takeFragmentToken,
	withQuery
} from '../../src/lib/router.svelte';

describe('matchPath', () => {
	it('matches static paths, ignoring trailing slashes', () => {
		expect(matchPath('/', '/')).toEqual({});
		expect(matchPath('/setup', '/setup')).toEqual({});
		expect(matchPath('/setup', '/setup/')).toEqual({});
		expect(matchPath('/setup', '/login')).toBeNull();
		expect(matchPath('/', '/setup')).toBeNull();
	});

	it('captures and decodes :name segments', () => {
		expect(matchPath('/cases/:id', '/cases/R-2026-7K3QX')).toEqual({ id: 'R-2026-7K3QX' });
		expect(matchPath('/cases/:id/notes/:nid', '/cases/a%20b/notes/7')).toEqual({ id: 'a b', nid: '7' });
	});

	it('refuses a different number of segments or a malformed escape', () => {
		expect(matchPath('/cases/:id', '/cases')).toBeNull();
		expect(matchPath('/cases/:id', '/cases/1/extra')).toBeNull();
		expect(matchPath('/cases/:id', '/cases/%E0%A4%A')).toBeNull();
	});
});

describe('findRoute', () => {
	const routes = [{ path: '/cases/new' }, { path: '/cases/:id' }, { path: '/' }];

	it('returns the first match with its params', () => {
		expect(findRoute(routes, '/cases/new')).toEqual({ route: routes[0], params: {} });
		expect(findRoute(routes, '/cases/42')).toEqual({ route: routes[1], params: { id: '42' } });
		expect(findRoute(routes, '/nowhere')).toBeNull();
	});
});

describe('navigation', () => {
	beforeEach(() => navigate('/'));

	it('navigate() updates the history and the current path', () => {
		navigate('/login?next=%2F');
		expect(window.location.pathname).toBe('/login');
		expect(window.location.search).toBe('?next=%2F');
		expect(router.path).toBe('/login');
		expect(router.search).toBe('?next=%2F');
		expect(queryParams().get('next')).toBe('/');
	});

	it('follows the back button, query included', () => {
		const stop = startRouter();
		navigate('/admin/users?q=ada');
		navigate('/admin/users?q=ada&page=2');
		history.replaceState(null, '', '/admin/users?q=ada');
		window.dispatchEvent(new PopStateEvent('popstate'));
		expect(router.search).toBe('?q=ada');
		stop();
	});

	function intercepts(href: string, init: MouseEventInit = {}, attributes: Record<string, string> = {}) {
		const anchor = document.createElement('a');
		anchor.href = href;
		for (const [name, value] of Object.entries(attributes)) anchor.setAttribute(name, value);
		anchor.textContent = 'link';
		document.body.append(anchor);
		let intercepted = false;
		anchor.addEventListener('click', (event) => {
			interceptLinkClick(event); // as the document listener startRouter() installs
			intercepted = event.defaultPrevented;
			event.preventDefault(); // the test environment must not follow the link
		});
		anchor.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, button: 0, ...init }));
		anchor.remove();
		return intercepted;
	}

	it('turns a plain same-origin link click into navigate()', () => {
		expect(intercepts('/setup')).toBe(true);
		expect(router.path).toBe('/setup');
	});

	it("leaves the browser's behaviour for other origins, /api/, modified clicks, new tabs and in-page anchors", () => {
		expect(intercepts('https://elsewhere.invalid/x')).toBe(false);
		expect(intercepts('/api/health')).toBe(false);
		expect(intercepts('/setup', { ctrlKey: true })).toBe(false);
		expect(intercepts('/setup', {}, { target: '_blank' })).toBe(false);
		expect(intercepts('/setup', {}, { download: '' })).toBe(false);
		expect(intercepts('#main')).toBe(false);
		expect(router.path).toBe('/');
	});
});

describe('addresses with a query', () => {
	it('withQuery keeps the non-empty values in the order given', () => {
		expect(withQuery('/admin/users', { q: 'ada l', role: '', status: undefined, page: 2 })).toBe(
			'/admin/users?q=ada+l&page=2'
		);
		expect(withQuery('/admin/users', { q: '', page: null })).toBe('/admin/users');
	});
});

describe('safeNext and loginPath', () => {
	it('lets a person come back to a page of this SPA, query kept', () => {
		expect(safeNext('/admin/users?q=x')).toBe('/admin/users?q=x');
		expect(loginPath('/me')).toBe('/login?next=%2Fme');
		expect(loginPath('/admin/audit?actor=1')).toBe('/login?next=%2Fadmin%2Faudit%3Factor%3D1');
	});

	it('never sends anyone elsewhere, back to /login or to the API', () => {
		for (const next of [
			null,
			'',
			'https://evil.example/',
			'//evil.example/x',
			'/\\evil.example',
			'javascript:alert(1)',
			'/login?next=/me',
			'/api/users'
		]) {
			expect(safeNext(next), String(next)).toBe('/');
		}
		expect(loginPath('/')).toBe('/login');
		expect(loginPath('/login')).toBe('/login');
	});
});

describe('takeFragmentToken', () => {
	it('returns the token and wipes the fragment from the address bar', () => {
		history.replaceState(null, '', '/setup#token=abc_DEF-123');
		expect(takeFragmentToken()).toBe('abc_DEF-123');
		expect(window.location.href).toBe(`${window.location.origin}/setup`);
	});

	it('keeps the query, ignores other fragment values and decodes the token', () => {
		history.replaceState(null, '', '/invitation?lang=en#x=1&token=a%2Db');
		expect(takeFragmentToken()).toBe('a-b');
		expect(window.location.href).toBe(`${window.location.origin}/invitation?lang=en`);
		// A second read finds nothing: the secret is gone from the address bar and history entry.
		expect(takeFragmentToken()).toBe('');
	});

	it('wipes a fragment without a token too', () => {
		history.replaceState(null, '', '/reset#nothing');
		expect(takeFragmentToken()).toBe('');
		expect(window.location.hash).toBe('');
	});

	it('returns an empty string when the link has no token', () => {
		history.replaceState(null, '', '/setup');
		expect(takeFragmentToken()).toBe('');
	});
});
