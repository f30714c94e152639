// The single API client: every call to the server goes through request() below.
import { i18n } from './i18n/locale.svelte';
import { loginPath, navigate, router, withQuery } from './router.svelte';
import { session, signIn, signOut } from './session.svelte';

/** A platform role, lowest first. */
export type Role = 'reader' | 'editor' | 'admin' | 'superadmin';

/** An account's status. */
export type AccountStatus = 'invited' | 'pending' | 'active' | 'locked' | 'blocked' | 'deregistered';

/** An account as the API shows it. */
export interface User {
	id: string;
	email: string;
	name: string;
	role: Role;
	status: AccountStatus;
	locale: string;
	created_at: string;
	updated_at?: string;
	/** When the person signed the confidentiality pledge; absent for an invitation not yet accepted. */
	pledge_signed_at?: string;
}

/** Public settings of the instance (GET /api/config). */
export interface InstanceConfig {
	name: string;
	languages: string[];
	default_locale: string;
	registration_open: boolean;
	/** The confidentiality pledge a newcomer signs, in the request's language. */
	pledge: string;
}

/** One page of a list: `?page=&per_page=` → items and the total over every page. */
export interface ListPage<T> {
	items: T[];
	total: number;
	page: number;
	per_page: number;
}

/** The body of POST /api/auth/register. */
export interface Registration {
	email: string;
	name: string;
	password: string;
	pledge: boolean;
	locale: string;
	/** The token of an invitation link, for the invited e-mail. */
	invitation?: string;
}

/** What an invitation link may show before it is used (POST /api/invitations/inspect). */
export interface InvitationInfo {
	/** `account`: an admin invites a person onto the platform; `collaboration` (to come): a helper onto a case file. */
	kind: string;
	email: string;
	role?: Role;
	inviter: string;
}

/** One of the caller's sessions (GET /api/me/sessions). */
export interface SessionInfo {
	id: string;
	created_at: string;
	last_seen_at: string;
	expires_at: string;
	client_ip: string;
	user_agent: string;
	/** The session this very tab uses. */
	current: boolean;
}

/** A role a person may ask for. */
export type RequestableRole = 'editor' | 'admin';

/** A request for a higher role and its decision. */
export interface RoleRequest {
	id: string;
	role: RequestableRole;
	message: string;
	status: 'pending' | 'approved' | 'rejected';
	reason: string;
	decided_at?: string | null;
	created_at: string;
	/** The person asking; in the admins' list only. */
	account?: Pick<User, 'id' | 'email' | 'name' | 'role'>;
}

/** One entry of the hash-chained audit log. */
export interface AuditEntry {
	id: number;
	at: string;
	/** '' when nobody was logged in (a registration, an activation). */
	actor_id: string;
	action: string;
	object_type: string;
	object_id: string;
	reason: string;
	client_ip: string;
	/** A JSON object as a string, or ''. */
	details?: string;
}

/** The outcome of GET /api/audit/verify. */
export interface AuditVerification {
	ok: boolean;
	entries: number;
	broken_at?: number;
	problem?: string;
}

/** An e-mail status in the outbox. */
export type OutboxStatus = 'queued' | 'sent' | 'failed';

/** An e-mail of the outbox, without its body. */
export interface OutboxMessage {
	id: string;
	message_id: string;
	to: string;
	subject: string;
	kind: string;
	status: OutboxStatus;
	attempts: number;
	last_error: string;
	next_attempt_at: string;
	created_at: string;
	sent_at: string | null;
}

/** Filters and page of GET /api/users. */
export interface UserQuery {
	q?: string;
	role?: string;
	status?: string;
	page?: number;
	per_page?: number;
}

/** Filters and page of GET /api/audit; since and until are RFC 3339 times. */
export interface AuditQuery {
	actor?: string;
	action?: string;
	object?: string;
	since?: string;
	until?: string;
	page?: number;
	per_page?: number;
}

/** The body of POST /api/setup. */
export interface SetupInput {
	token: string;
	email: string;
	name: string;
	password: string;
	locale: string;
}

/**
 * A failed call: HTTP status (0 when the server was not reached), error code, message,
 * per-field reasons (422) and, for a 500, the correlation id also written in the server log.
 */
export class ApiError extends Error {
	readonly status: number;
	readonly code: string;
	readonly fields: Record<string, string>;
	readonly correlationId: string;

	constructor(status: number, code: string, message: string, fields: Record<string, string> = {}, correlationId = '') {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
		this.fields = fields;
		this.correlationId = correlationId;
	}
}

function isStringMap(value: unknown): value is Record<string, string> {
	return (
		typeof value === 'object' &&
		value !== null &&
		Object.values(value).every((v) => typeof v === 'string')
	);
}

/** Reads the `{"error": {code, message, fields, correlation_id}}` envelope; a body without one still gives a usable error. */
export async function toApiError(response: Response): Promise<ApiError> {
	const body: unknown = await response.json().catch(() => null);
	const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : null;
	if (typeof error === 'object' && error !== null) {
		const { code, message, fields, correlation_id: correlationId } = error as Record<string, unknown>;
		if (typeof code === 'string') {
			return new ApiError(
				response.status,
				code,
				typeof message === 'string' ? message : '',
				isStringMap(fields) ? fields : {},
				typeof correlationId === 'string' ? correlationId : ''
			);
		}
	}
	return new ApiError(response.status, `http_${response.status}`, response.statusText);
}

interface RequestOptions {
	body?: unknown;
	/** Send no token: for the public routes, so a failed login cannot end a live session. */
	anonymous?: boolean;
}

async function request<T>(method: string, path: string, { body, anonymous = false }: RequestOptions = {}): Promise<T> {
	const token = anonymous ? null : session.token;
	// Accept-Language makes the server's own error messages match the UI.
	const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': i18n.locale };
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	if (token) headers.Authorization = `Bearer ${token}`;

	let response: Response;
	try {
		response = await fetch(path, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			credentials: 'omit' // no cookies, ever: the bearer token is the only credential
		});
	} catch {
		throw new ApiError(0, 'network', 'The server could not be reached.');
	}

	if (!response.ok) {
		const error = await toApiError(response);
		if (response.status === 401 && token) {
			// The session expired or was ended elsewhere: forget it and ask to sign in again.
			if (session.token === token) signOut();
			navigate(loginPath(router.path + router.search));
		}
		throw error;
	}
	if (response.status === 204) return undefined as T;
	try {
		return (await response.json()) as T;
	} catch {
		throw new ApiError(response.status, 'invalid_response', 'The server answered with something other than JSON.');
	}
}

/** Typed calls to the API, one per route the SPA uses. */
export const api = {
	config: () => request<InstanceConfig>('GET', '/api/config', { anonymous: true }),
	setupStatus: () => request<{ needed: boolean }>('GET', '/api/setup', { anonymous: true }),
	setup: (input: SetupInput) => request<{ user: User }>('POST', '/api/setup', { body: input, anonymous: true }),

	/** Logs in and starts the session. */
	async login(email: string, password: string): Promise<User> {
		const result = await request<{ token: string; expires_at: string; user: User }>('POST', '/api/auth/login', {
			body: { email, password },
			anonymous: true
		});
		signIn(result.token, result.user);
		return result.user;
	},

	/** Ends the session on the server, and on this side whatever the server answered. */
	async logout(): Promise<void> {
		try {
			await request<void>('POST', '/api/auth/logout');
		} finally {
			signOut();
		}
	},

	register: (input: Registration) =>
		request<{ status: 'pending' | 'active' }>('POST', '/api/auth/register', { body: input, anonymous: true }),
	activate: (token: string) => request<{ status: 'active' }>('POST', '/api/auth/activate', { body: { token }, anonymous: true }),
	inspectInvitation: (token: string) =>
		request<InvitationInfo>('POST', '/api/invitations/inspect', { body: { token }, anonymous: true }),
	forgotPassword: (email: string) =>
		request<unknown>('POST', '/api/auth/password/forgot', { body: { email }, anonymous: true }),
	resetPassword: (token: string, password: string) =>
		request<unknown>('POST', '/api/auth/password/reset', { body: { token, password }, anonymous: true }),

	me: () => request<User>('GET', '/api/me'),
	updateMe: (change: { name?: string; locale?: string }) => request<User>('PATCH', '/api/me', { body: change }),
	changePassword: (currentPassword: string, newPassword: string) =>
		request<unknown>('POST', '/api/me/password', {
			body: { current_password: currentPassword, new_password: newPassword }
		}),
	mySessions: async () => ({ items: (await request<{ items: SessionInfo[] | null }>('GET', '/api/me/sessions')).items ?? [] }),
	endSession: (id: string) => request<void>('DELETE', `/api/me/sessions/${encodeURIComponent(id)}`),
	requestRole: (role: RequestableRole, message: string) =>
		request<RoleRequest>('POST', '/api/me/role-requests', { body: { role, message } }),
	// An empty list may come as `null` (a nil slice on the server): read it as none.
	myRoleRequests: async () => ({
		items: (await request<{ items: RoleRequest[] | null }>('GET', '/api/me/role-requests')).items ?? []
	}),

	users: (query: UserQuery = {}) => request<ListPage<User>>('GET', withQuery('/api/users', { ...query })),
	inviteUser: (input: { email: string; name: string; role: Role; locale: string; reason: string }) =>
		request<User>('POST', '/api/users', { body: input }),
	user: (id: string) => request<User>('GET', `/api/users/${encodeURIComponent(id)}`),
	updateUser: (id: string, change: { role?: Role; name?: string; reason: string }) =>
		request<User>('PATCH', `/api/users/${encodeURIComponent(id)}`, { body: change }),
	blockUser: (id: string, reason: string) =>
		request<User>('POST', `/api/users/${encodeURIComponent(id)}/block`, { body: { reason } }),
	unblockUser: (id: string, reason: string) =>
		request<User>('POST', `/api/users/${encodeURIComponent(id)}/unblock`, { body: { reason } }),
	deregisterUser: (id: string, reason: string) =>
		request<void>('DELETE', `/api/users/${encodeURIComponent(id)}`, { body: { reason } }),

	roleRequests: (query: { status?: string; page?: number; per_page?: number } = {}) =>
		request<ListPage<RoleRequest>>('GET', withQuery('/api/role-requests', { ...query })),
	decideRoleRequest: (id: string, decision: 'approve' | 'reject', reason: string) =>
		request<RoleRequest>('POST', `/api/role-requests/${encodeURIComponent(id)}/${decision}`, { body: { reason } }),

	audit: (query: AuditQuery = {}) => request<ListPage<AuditEntry>>('GET', withQuery('/api/audit', { ...query })),
	verifyAudit: () => request<AuditVerification>('GET', '/api/audit/verify'),
	outbox: (query: { status?: string; page?: number; per_page?: number } = {}) =>
		request<ListPage<OutboxMessage>>('GET', withQuery('/api/outbox', { ...query })),
	retryOutbox: (id: string) => request<unknown>('POST', `/api/outbox/${encodeURIComponent(id)}/retry`)
};
