/** Values of the `:name` segments of a route pattern. */
export type RouteParams = Record<string, string>;

/** What every page receives: the values of its route's `:name` segments. */
export interface PageProps {
	params: RouteParams;
}

const segments = (path: string) => path.split('/').filter(Boolean);

/** Matches path against a pattern such as `/cases/:id`; returns its params, or null. */
export function matchPath(pattern: string, path: string): RouteParams | null {
	const want = segments(pattern);
	const got = segments(path);
	if (want.length !== got.length) return null;
	const params: RouteParams = {};
	for (const [i, part] of want.entries()) {
		if (part.startsWith(':')) {
			try {
				params[part.slice(1)] = decodeURIComponent(got[i]);
			} catch {
				return null; // a malformed escape cannot name anything
			}
		} else if (part !== got[i]) {
			return null;
		}
	}
	return params;
}

/** The first route whose pattern matches path, with its params; order the table from specific to general. */
export function findRoute<R extends { path: string }>(
	routes: readonly R[],
	path: string
): { route: R; params: RouteParams } | null {
	for (const route of routes) {
		const params = matchPath(route.path, path);
		if (params) return { route, params };
	}
	return null;
}

/**
 * The path the SPA shows, and its query string (`?q=…&page=2`, '' when none); the server
 * answers index.html for every page path, so the address bar is the source of truth.
 */
export const router = $state({ path: window.location.pathname, search: window.location.search });

/** Shows another page without reloading, adding it to the history unless replace is set. */
export function navigate(to: string, { replace = false } = {}): void {
	const url = new URL(to, window.location.href);
	if (replace) history.replaceState(null, '', url);
	else history.pushState(null, '', url);
	router.path = url.pathname;
	router.search = url.search;
}

/** The query parameters of the current address. */
export function queryParams(): URLSearchParams {
	return new URLSearchParams(router.search);
}

/**
 * A path plus the non-empty values of params as its query string, in the order given,
 * so that the same filters always make the same address.
 */
export function withQuery(path: string, params: Record<string, string | number | undefined | null>): string {
	const query = new URLSearchParams();
	for (const [name, value] of Object.entries(params)) {
		if (value !== undefined && value !== null && String(value) !== '') query.set(name, String(value));
	}
	const text = query.toString();
	return text ? `${path}?${text}` : path;
}

/**
 * Where to go after logging in: `next` when it is a path of this SPA, '/' otherwise, so
 * that a crafted `/login?next=https://elsewhere` cannot send anyone away from the instance.
 */
export function safeNext(next: string | null | undefined): string {
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
	const url = new URL(next, window.location.origin);
	if (url.origin !== window.location.origin || url.pathname === '/login' || url.pathname.startsWith('/api/')) return '/';
	return url.pathname + url.search;
}

/** The login page's address that brings the person back to `from` (a path and query) afterwards. */
export function loginPath(from: string): string {
	const back = safeNext(from);
	return back === '/' ? '/login' : withQuery('/login', { next: back });
}

/**
 * Turns a plain click on a same-origin link into navigate(), so pages use ordinary
 * <a href>. Modified clicks, other targets, downloads, in-page anchors (the skip link)
 * and /api/ links keep the browser's own behaviour.
 */
export function interceptLinkClick(event: MouseEvent): void {
	if (event.defaultPrevented || event.button !== 0) return;
	if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
	const anchor = event.target instanceof Element ? event.target.closest('a') : null;
	if (!anchor || anchor.hasAttribute('download') || (anchor.target && anchor.target !== '_self')) return;
	const url = new URL(anchor.href);
	const here = window.location;
	if (url.origin !== here.origin || url.pathname.startsWith('/api/')) return;
	if (url.hash && url.pathname === here.pathname && url.search === here.search) return;
	event.preventDefault();
	navigate(url.pathname + url.search + url.hash);
}

/** Follows the back and forward buttons and intercepts link clicks; returns the undo. */
export function startRouter(): () => void {
	const onPopState = () => {
		router.path = window.location.pathname;
		router.search = window.location.search;
	};
	window.addEventListener('popstate', onPopState);
	document.addEventListener('click', interceptLinkClick);
	return () => {
		window.removeEventListener('popstate', onPopState);
		document.removeEventListener('click', interceptLinkClick);
	};
}

/**
 * Takes the `token` out of the URL fragment of an e-mailed link (`/setup#token=…`) and
 * wipes the fragment from the address bar and the history entry, so the secret is not
 * left behind for a shoulder, a screenshot or the back button. Returns '' when absent.
 */
export function takeFragmentToken(): string {
	const { hash, pathname, search } = window.location;
	if (!hash) return '';
	history.replaceState(history.state, '', pathname + search);
	return new URLSearchParams(hash.slice(1)).get('token') ?? '';
}
