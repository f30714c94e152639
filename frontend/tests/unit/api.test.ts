import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from '../../src/lib/api';
import { navigate, router } from '../../src/lib/router.svelte';
import { session, signIn, signOut } from '../../src/lib/session.svelte';

const user = {
	id: 'u1',
	email: 'ada@example.org',
	name: 'Ada',
	role: 'superadmin',
	status: 'active',
	locale: 'fr',
	created_at: '2026-01-01T00:00:00Z'
} as const;

function json(status: number, body: unknown): Response {
	return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

// A fake server: the unit under test is the client, not the API.
let fetchMock: ReturnType<typeof vi.fn>;
const sentHeaders = (call = 0) => new Headers(fetchMock.mock.calls[call][1].headers);

beforeEach(() => {
	fetchMock = vi.fn();
	vi.stubGlobal('fetch', fetchMock);
	signOut();
	localStorage.clear();
	navigate('/');
});
afterEach(() => vi.unstubAllGlobals());

describe('requests', () => {
	it('sends JSON and reads JSON', async () => {
		fetchMock.mockResolvedValue(json(201, { user }));
		const input = { token: 't', email: 'ada@example.org', name: 'Ada', password: 'long enough pw', locale: 'fr' };
		await expect(api.setup(input)).resolves.toEqual({ user });
		const [path, init] = fetchMock.mock.calls[0];
		expect(path).toBe('/api/setup');
		expect(init.method).toBe('POST');
		expect(JSON.parse(init.body)).toEqual(input);
		expect(sentHeaders().get('Content-Type')).toBe('application/json');
		expect(init.credentials).toBe('omit');
		expect(sentHeaders().get('Accept-Language')).toBe('fr');
	});

	it('sends the bearer token on authenticated calls only', async () => {
		signIn('secret-token', user);
		fetchMock.mockImplementation(async () => json(200, user));
		await api.me();
		expect(sentHeaders(0).get('Authorization')).toBe('Bearer secret-token');
		fetchMock.mockImplementation(async () => json(200, { needed: false }));
		await api.setupStatus();
		expect(sentHeaders(1).has('Authorization')).toBe(false);
	});

	it('gives undefined for 204 No Content', async () => {
		signIn('secret-token', user);
		fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
		await expect(api.logout()).resolves.toBeUndefined();
		expect(session.token).toBeNull();
	});
});

describe('errors', () => {
	async function failure(promise: Promise<unknown>): Promise<ApiError> {
		const error = await promise.then(
			() => null,
			(e: unknown) => e
		);
		expect(error).toBeInstanceOf(ApiError);
		return error as ApiError;
	}

	it('parses the error envelope with its field reasons', async () => {
		fetchMock.mockResolvedValue(
			json(422, { error: { code: 'validation_failed', message: 'invalid input', fields: { email: 'taken' } } })
		);
		const error = await failure(api.setup({ token: 't', email: 'x', name: 'n', password: 'p', locale: 'en' }));
		expect(error).toMatchObject({
			status: 422,
			code: 'validation_failed',
			message: 'invalid input',
			fields: { email: 'taken' }
		});
	});

	it('keeps the correlation id of a 500', async () => {
		fetchMock.mockResolvedValue(json(500, { error: { code: 'internal', message: 'x', correlation_id: 'c0ffee' } }));
		const error = await failure(api.config());
		expect(error).toMatchObject({ status: 500, code: 'internal', correlationId: 'c0ffee' });
	});

	it('still gives a usable error when the body is not the envelope', async () => {
		fetchMock.mockResolvedValue(new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' }));
		const error = await failure(api.config());
		expect(error).toMatchObject({ status: 502, code: 'http_502', fields: {} });
	});

	it('drops malformed fields rather than passing them on', async () => {
		fetchMock.mockResolvedValue(json(422, { error: { code: 'validation_failed', fields: { email: 3 } } }));
		const error = await failure(api.config());
		expect(error.fields).toEqual({});
	});

	it('reports an unreachable server as status 0', async () => {
		fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
		const error = await failure(api.config());
		expect(error).toMatchObject({ status: 0, code: 'network' });
	});
});

describe('401', () => {
	it('on an authenticated call drops the token and goes to /login', async () => {
		signIn('stale-token', user);
		fetchMock.mockResolvedValue(json(401, { error: { code: 'unauthorized', message: 'no session' } }));
		const error = await api.me().catch((e: unknown) => e);
		expect(error).toMatchObject({ status: 401 });
		expect(session.token).toBeNull();
		expect(session.user).toBeNull();
		expect(sessionStorage.getItem('cloison.token')).toBeNull();
		expect(router.path).toBe('/login');
	});

	it('brings the person back to the page they were on after logging in again', async () => {
		signIn('stale-token', user);
		navigate('/admin/users?q=ada');
		fetchMock.mockResolvedValue(json(401, { error: { code: 'unauthenticated', message: 'no session' } }));
		await api.users({ q: 'ada' }).catch(() => undefined);
		expect(router.path).toBe('/login');
		expect(new URLSearchParams(window.location.search).get('next')).toBe('/admin/users?q=ada');
	});

	it('on a failed login keeps the live session and stays put', async () => {
		signIn('live-token', user);
		fetchMock.mockResolvedValue(json(401, { error: { code: 'invalid_credentials', message: 'no' } }));
		await expect(api.login('ada@example.org', 'wrong password')).rejects.toMatchObject({
			code: 'invalid_credentials'
		});
		expect(session.token).toBe('live-token');
		expect(router.path).toBe('/');
	});
});

describe('account and administration calls', () => {
	beforeEach(() => signIn('secret-token', user));

	it('puts list filters in the query, leaving out empty ones', async () => {
		fetchMock.mockImplementation(async () => json(200, { items: [], total: 0, page: 2, per_page: 50 }));
		await api.users({ q: 'ada l', role: '', status: 'active', page: 2 });
		expect(fetchMock.mock.calls[0][0]).toBe('/api/users?q=ada+l&status=active&page=2');
		await api.audit({ action: 'account.', since: '2026-01-01T00:00:00Z' });
		expect(fetchMock.mock.calls[1][0]).toBe('/api/audit?action=account.&since=2026-01-01T00%3A00%3A00Z');
	});

	it('deregisters with DELETE and the reason in the body', async () => {
		fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
		await api.deregisterUser('a/b', 'board decision of 3 May');
		const [path, init] = fetchMock.mock.calls[0];
		expect(path).toBe('/api/users/a%2Fb');
		expect(init.method).toBe('DELETE');
		expect(JSON.parse(init.body)).toEqual({ reason: 'board decision of 3 May' });
	});

	it('sends the public account calls without the token', async () => {
		fetchMock.mockImplementation(async () => json(202, { status: 'pending' }));
		await api.register({ email: 'b@example.org', name: 'B', password: 'long enough pw', pledge: true, locale: 'fr' });
		await api.forgotPassword('b@example.org');
		for (const call of [0, 1]) expect(sentHeaders(call).has('Authorization')).toBe(false);
		expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toMatchObject({ pledge: true, locale: 'fr' });
	});

	it('reads an empty list sent as null as no items', async () => {
		fetchMock.mockImplementation(async () => json(200, { items: null }));
		await expect(api.myRoleRequests()).resolves.toEqual({ items: [] });
		await expect(api.mySessions()).resolves.toEqual({ items: [] });
	});

	it('changes the password with the API field names', async () => {
		fetchMock.mockResolvedValue(json(200, { status: 'password_changed' }));
		await api.changePassword('old password', 'new password!');
		expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toEqual({
			current_password: 'old password',
			new_password: 'new password!'
		});
	});
});

describe('token storage', () => {
	it('keeps the login token in memory and sessionStorage, never in localStorage or a cookie', async () => {
		fetchMock.mockResolvedValue(json(200, { token: 'fresh-token', expires_at: '2026-01-02T00:00:00Z', user }));
		await expect(api.login('ada@example.org', 'long enough pw')).resolves.toEqual(user);
		expect(session.token).toBe('fresh-token');
		expect(sessionStorage.getItem('cloison.token')).toBe('fresh-token');
		expect(JSON.stringify({ ...localStorage })).not.toContain('fresh-token');
		expect(document.cookie).toBe('');
	});
});
