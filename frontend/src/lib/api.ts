// The single API client: every call to the server goes through request() below. The shapes it
// sends and receives are in apiTypes.ts.
import type {
	AcceptedInvitation,
	Attachment,
	AuditEntry,
	AuditQuery,
	AuditVerification,
	CaseDetail,
	CaseFacts,
	CaseOutcome,
	CaseQuery,
	CaseStatus,
	CaseSummary,
	Category,
	CategoryPreset,
	CategoryInspection,
	ChangeRequest,
	Collaborator,
	Deadline,
	DocumentAudience,
	DownloadedFile,
	FunctionInput,
	HelperKind,
	HistoryEntry,
	ImportFate,
	ImportRun,
	InspectionRead,
	Inspector,
	InstanceConfig,
	InstanceTextKind,
	InstanceTexts,
	InvitationInfo,
	ListPage,
	Me,
	MemberFunction,
	NewChangeRequest,
	NewMessage,
	NewTransfer,
	Membership,
	MembershipChange,
	NewMembership,
	NewOrganisation,
	NewUnit,
	Note,
	Organisation,
	OrganisationRecord,
	OutboxMessage,
	Overview,
	Presence,
	PublishedDocument,
	PrivacyPolicy,
	Registration,
	RequestableRole,
	Role,
	RoleRequest,
	SecondFactorEnrolment,
	SecondFactorStatus,
	SentMessage,
	SessionInfo,
	SetupInput,
	TestMailResult,
	Transfer,
	TransferQuery,
	Unit,
	UnitChange,
	UnitEntry,
	UnitImage,
	User,
	UserQuery
} from './apiTypes';
import { i18n } from './i18n/locale.svelte';
import { loginPath, navigate, router, withQuery } from './router.svelte';
import { session, signIn, signOut } from './session.svelte';

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
	/** A multipart body (an upload), sent as is. */
	form?: FormData;
	/** Send no token: for the public routes, so a failed login cannot end a live session. */
	anonymous?: boolean;
	/** The version a write is based on, sent as `If-Match: "<version>"`. */
	ifMatch?: number;
	/** What the answer should be: JSON (the default) or a file. */
	accept?: string;
}

/** The If-Match header for a version, the way the server writes its ETag. */
export function ifMatchHeader(version: number): string {
	return `"${version}"`;
}

/** The version an ETag names (`"3"`, `W/"3"`), or null when there is none to read. */
export function etagVersion(etag: string | null | undefined): number | null {
	if (!etag) return null;
	const match = /^(?:W\/)?"?(\d+)"?$/.exec(etag.trim());
	return match ? Number(match[1]) : null;
}

async function send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
	const { body, form, anonymous = false, ifMatch, accept = 'application/json' } = options;
	const token = anonymous ? null : session.token;
	// Accept-Language makes the server's own error messages match the UI.
	const headers: Record<string, string> = { Accept: accept, 'Accept-Language': i18n.locale };
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	if (token) headers.Authorization = `Bearer ${token}`;
	if (ifMatch !== undefined) headers['If-Match'] = ifMatchHeader(ifMatch);

	let response: Response;
	try {
		response = await fetch(path, {
			method,
			headers,
			body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
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
		} else if (error.code === 'second_factor_required' && router.path !== '/me') {
			// The role requires a second factor not set up yet: the account page is where it is.
			navigate('/me');
		}
		throw error;
	}
	return response;
}

async function readJSON<T>(response: Response): Promise<T> {
	if (response.status === 204) return undefined as T;
	try {
		return (await response.json()) as T;
	} catch {
		throw new ApiError(response.status, 'invalid_response', 'The server answered with something other than JSON.');
	}
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
	return readJSON<T>(await send(method, path, options));
}

/**
 * A case file and the version its ETag names: the one the next write must send in If-Match.
 * The ETag has the last word; the body's version stands in when a proxy dropped the header.
 */
async function requestCase(method: string, path: string, options: RequestOptions = {}): Promise<CaseDetail> {
	const response = await send(method, path, options);
	const detail = await readJSON<CaseDetail>(response);
	const version = etagVersion(response.headers.get('ETag'));
	if (version !== null) detail.version = version;
	return normalizeCase(detail);
}

/** Fills the lists a nil slice on the server sends as null. */
function normalizeCase(detail: CaseDetail): CaseDetail {
	detail.assignees ??= [];
	detail.collaborators ??= [];
	detail.permissions ??= { edit: false, transitions: [], delete: false, assign: false, invite: false, report: false, relation: '' };
	detail.permissions.transitions ??= [];
	detail.warnings ??= {};
	return detail;
}

/** The filename of a Content-Disposition header (RFC 6266 `filename*` first), or fallback. */
export function dispositionFilename(header: string | null, fallback: string): string {
	if (!header) return fallback;
	const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
	if (extended) {
		try {
			return decodeURIComponent(extended[1].trim());
		} catch {
			// fall through to the plain name
		}
	}
	const plain = /filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]+)/.exec(header);
	if (!plain) return fallback;
	const value = plain[1].trim();
	return value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
}

async function download(path: string, fallback: string): Promise<DownloadedFile> {
	const response = await send('GET', path, { accept: '*/*' });
	return { blob: await response.blob(), filename: dispositionFilename(response.headers.get('Content-Disposition'), fallback) };
}

/**
 * An image the server keeps (a QR code, a unit's logo), as a data: URL: the only kind of image
 * the policy lets in besides the instance's own files, and a plain <img src> cannot carry the
 * bearer token.
 */
async function imageDataURL(path: string, accept: string): Promise<string> {
	const blob = await (await send('GET', path, { accept })).blob();
	return new Promise((resolve, reject) => {
		const reader = new FileReader();
		reader.onload = () => resolve(String(reader.result));
		reader.onerror = () => reject(new ApiError(0, 'invalid_response', 'The image could not be read.'));
		reader.readAsDataURL(blob);
	});
}

/** A file in the multipart field `file`, as the upload routes take it. */
function fileForm(file: File): FormData {
	const form = new FormData();
	form.append('file', file, file.name);
	return form;
}

/** An empty list may come as `null` (a nil slice on the server): read it as none. */
async function items<T>(path: string): Promise<T[]> {
	return (await request<{ items: T[] | null }>('GET', path)).items ?? [];
}

const casePath = (id: string, rest = '') => `/api/cases/${encodeURIComponent(id)}${rest}`;
const orgPath = (id: string, rest = '') => `/api/orgs/${encodeURIComponent(id)}${rest}`;
const unitPath = (id: string, rest = '') => `/api/units/${encodeURIComponent(id)}${rest}`;

/** Typed calls to the API, one per route the SPA uses. */
export const api = {
	config: () => request<InstanceConfig>('GET', '/api/config', { anonymous: true }),
	privacy: (locale: string) => request<PrivacyPolicy>('GET', `/api/privacy?locale=${encodeURIComponent(locale)}`, { anonymous: true }),
	instanceTexts: (kind: InstanceTextKind) => request<InstanceTexts>('GET', `/api/instance-texts/${kind}`),
	saveInstanceTexts: (kind: InstanceTextKind, texts: Record<string, string>, reason: string) =>
		request<InstanceTexts>('PUT', `/api/instance-texts/${kind}`, { body: { texts, reason } }),
	setupStatus: () => request<{ needed: boolean }>('GET', '/api/setup', { anonymous: true }),
	setup: (input: SetupInput) => request<{ user: User }>('POST', '/api/setup', { body: input, anonymous: true }),

	/** Logs in and starts the session; code is a second factor's, for an account that has one. */
	async login(email: string, password: string, code = ''): Promise<User> {
		const result = await request<{ token: string; expires_at: string; user: User }>('POST', '/api/auth/login', {
			body: code ? { email, password, code } : { email, password },
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
	activate: (token: string) => request<{ status: 'active'; email: string }>('POST', '/api/auth/activate', { body: { token }, anonymous: true }),
	inspectInvitation: (token: string) =>
		request<InvitationInfo>('POST', '/api/invitations/inspect', { body: { token }, anonymous: true }),
	forgotPassword: (email: string) =>
		request<unknown>('POST', '/api/auth/password/forgot', { body: { email }, anonymous: true }),
	resetPassword: (token: string, password: string) =>
		request<unknown>('POST', '/api/auth/password/reset', { body: { token, password }, anonymous: true }),

	me: () => request<Me>('GET', '/api/me'),
	updateMe: (change: { name?: string; locale?: string }) => request<User>('PATCH', '/api/me', { body: change }),
	changePassword: (currentPassword: string, newPassword: string) =>
		request<unknown>('POST', '/api/me/password', {
			body: { current_password: currentPassword, new_password: newPassword }
		}),
	secondFactor: () => request<SecondFactorStatus>('GET', '/api/me/second-factor'),
	startSecondFactor: () => request<SecondFactorEnrolment>('POST', '/api/me/second-factor'),
	/** The pending enrolment's QR code, as a data: URL. */
	secondFactorQR: () => imageDataURL('/api/me/second-factor/qr.png', 'image/png'),
	confirmSecondFactor: (code: string) =>
		request<{ recovery_codes: string[] }>('POST', '/api/me/second-factor/confirm', { body: { code } }),
	removeSecondFactor: (password: string) => request<void>('DELETE', '/api/me/second-factor', { body: { password } }),
	mySessions: async () => ({ items: (await request<{ items: SessionInfo[] | null }>('GET', '/api/me/sessions')).items ?? [] }),
	endSession: (id: string) => request<void>('DELETE', `/api/me/sessions/${encodeURIComponent(id)}`),
	/** Asks for a role; unit names the unit an editor asks to edit for, where there are several. */
	requestRole: (role: RequestableRole, message: string, unit = '') =>
		request<RoleRequest>('POST', '/api/me/role-requests', { body: unit ? { role, message, unit_id: unit } : { role, message } }),
	// An empty list may come as `null` (a nil slice on the server): read it as none.
	myRoleRequests: async () => ({
		items: (await request<{ items: RoleRequest[] | null }>('GET', '/api/me/role-requests')).items ?? []
	}),

	users: (query: UserQuery = {}) => request<ListPage<User>>('GET', withQuery('/api/users', { ...query })),
	inviteUser: (input: { email: string; name: string; role: Role; locale: string; reason: string; unit_id?: string }) =>
		request<User>('POST', '/api/users', { body: input }),
	user: (id: string) => request<User>('GET', `/api/users/${encodeURIComponent(id)}`),
	updateUser: (id: string, change: { role?: Role; name?: string; reason: string; unit_id?: string }) =>
		request<User>('PATCH', `/api/users/${encodeURIComponent(id)}`, { body: change }),
	blockUser: (id: string, reason: string) =>
		request<User>('POST', `/api/users/${encodeURIComponent(id)}/block`, { body: { reason } }),
	unblockUser: (id: string, reason: string) =>
		request<User>('POST', `/api/users/${encodeURIComponent(id)}/unblock`, { body: { reason } }),
	resetSecondFactor: (id: string, reason: string) =>
		request<void>('POST', `/api/users/${encodeURIComponent(id)}/second-factor/reset`, { body: { reason } }),
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
	retryOutbox: (id: string) => request<unknown>('POST', `/api/outbox/${encodeURIComponent(id)}/retry`),
	testMail: (to: string) => request<TestMailResult>('POST', '/api/outbox/test', { body: to ? { to } : {} }),

	overview: () => request<Overview>('GET', '/api/me/overview'),
	acceptInvitation: (token: string) => request<AcceptedInvitation>('POST', '/api/invitations/accept', { body: { token } }),

	categories: () => items<Category>('/api/categories'),
	createCategory: (input: { id?: string; labels: Record<string, string>; position?: number }) =>
		request<Category>('POST', '/api/categories', { body: input }),
	updateCategory: (id: string, change: { labels?: Record<string, string>; active?: boolean; position?: number }) =>
		request<Category>('PATCH', `/api/categories/${encodeURIComponent(id)}`, { body: change }),
	categoryPresets: () => items<CategoryPreset>('/api/category-presets'),
	addCategoryPreset: (key: string) =>
		request<{ items: Category[] }>('POST', `/api/category-presets/${encodeURIComponent(key)}`).then((answer) => answer.items),

	cases: async (query: CaseQuery = {}) => {
		const page = await request<ListPage<CaseSummary>>('GET', withQuery('/api/cases', { ...query }));
		return { ...page, items: page.items ?? [] };
	},
	createCase: (input: { title: string; category_id: string; summary: string; facts_date?: string; place?: string; unit_id?: string; practice?: boolean }) =>
		requestCase('POST', '/api/cases', { body: input }),
	getCase: (id: string) => requestCase('GET', casePath(id)),
	/** Says why an admin opens a case file not entrusted to them (once per case file and session). */
	openCaseAsAdmin: (id: string, reason: string) => request<void>('POST', casePath(id, '/access'), { body: { reason } }),
	updateCase: (id: string, version: number, change: Partial<CaseFacts>) =>
		requestCase('PATCH', casePath(id), { body: change, ifMatch: version }),
	transitionCase: (id: string, version: number, input: { to: CaseStatus; outcome?: CaseOutcome; comment: string }) =>
		requestCase('POST', casePath(id, '/transition'), { body: input, ifMatch: version }),
	/** Deletes a case file: its creator while a draft (no reason), or an admin with a reason. */
	deleteCase: (id: string, reason?: string) =>
		request<void>('DELETE', casePath(id), reason === undefined ? {} : { body: { reason } }),
	setAssignees: (id: string, version: number, userIds: string[], reason: string) =>
		requestCase('PUT', casePath(id, '/assignees'), { body: { user_ids: userIds, reason }, ifMatch: version }),

	history: (id: string) => items<HistoryEntry>(casePath(id, '/history')),
	notes: (id: string) => items<Note>(casePath(id, '/notes')),
	addNote: (id: string, body: string) =>
		request<{ note: Note; warnings: Record<string, string> | null }>('POST', casePath(id, '/notes'), { body: { body } }),
	deadlines: (id: string) => items<Deadline>(casePath(id, '/deadlines')),
	addDeadline: (id: string, input: { title: string; due_date: string }) =>
		request<Deadline>('POST', casePath(id, '/deadlines'), { body: input }),
	updateDeadline: (id: string, deadlineId: string, change: { title?: string; due_date?: string; done?: boolean }) =>
		request<Deadline>('PATCH', casePath(id, `/deadlines/${encodeURIComponent(deadlineId)}`), { body: change }),
	deleteDeadline: (id: string, deadlineId: string) =>
		request<void>('DELETE', casePath(id, `/deadlines/${encodeURIComponent(deadlineId)}`)),
	attachments: (id: string) => items<Attachment>(casePath(id, '/attachments')),
	addAttachment: (id: string, file: File) => request<Attachment>('POST', casePath(id, '/attachments'), { form: fileForm(file) }),
	downloadAttachment: (id: string, attachment: Pick<Attachment, 'id' | 'filename'>) =>
		download(casePath(id, `/attachments/${encodeURIComponent(attachment.id)}`), attachment.filename),
	deleteAttachment: (id: string, attachmentId: string) =>
		request<void>('DELETE', casePath(id, `/attachments/${encodeURIComponent(attachmentId)}`)),
	report: (id: string, reference: string) => download(casePath(id, '/report.pdf'), `${reference}.pdf`),
	/** The information notice for the person the case file concerns, in their language. */
	notice: (id: string, reference: string, locale: string) =>
		download(casePath(id, `/notice.pdf?locale=${encodeURIComponent(locale)}`), `${reference}-${locale}.pdf`),

	collaborators: (id: string) => items<Collaborator>(casePath(id, '/collaborators')),
	inviteCollaborator: (id: string, input: { email: string; kind: HelperKind; major: boolean; until?: string }) =>
		request<Collaborator>('POST', casePath(id, '/collaborators'), { body: input }),
	updateCollaborator: (id: string, collaboratorId: string, change: { major?: boolean; until?: string | null }) =>
		request<Collaborator>('PATCH', casePath(id, `/collaborators/${encodeURIComponent(collaboratorId)}`), { body: change }),
	revokeCollaborator: (id: string, collaboratorId: string) =>
		request<void>('DELETE', casePath(id, `/collaborators/${encodeURIComponent(collaboratorId)}`)),
	presence: (id: string) => request<Presence>('POST', casePath(id, '/presence')),

	proposeTransfer: (id: string, input: NewTransfer) => request<Transfer>('POST', casePath(id, '/transfers'), { body: input }),
	transfers: async (query: TransferQuery = {}) => {
		const page = await request<ListPage<Transfer>>('GET', withQuery('/api/transfers', { ...query }));
		return { ...page, items: page.items ?? [] };
	},
	/** Accepts or cancels a transfer (no body), or refuses it with a reason. */
	decideTransfer: (id: string, decision: 'accept' | 'refuse' | 'cancel', reason?: string) =>
		request<Transfer>(
			'POST',
			`/api/transfers/${encodeURIComponent(id)}/${decision}`,
			decision === 'refuse' ? { body: { reason } } : {}
		),

	unitDirectory: async (query: { q?: string; page?: number; per_page?: number } = {}) => {
		const page = await request<ListPage<UnitEntry>>('GET', withQuery('/api/units', { ...query }));
		return { ...page, items: page.items ?? [] };
	},
	unitInspection: (unitId: string) => items<CategoryInspection>(`/api/units/${encodeURIComponent(unitId)}/inspection`),
	setUnitInspection: (unitId: string, categoryId: string, open: boolean, reason: string) =>
		request<CategoryInspection>('PUT', `/api/units/${encodeURIComponent(unitId)}/inspection/${encodeURIComponent(categoryId)}`, {
			body: { open, reason }
		}),
	inspectionReads: async (unitId: string, query: { page?: number; per_page?: number } = {}) => {
		const page = await request<ListPage<InspectionRead>>(
			'GET',
			withQuery(`/api/units/${encodeURIComponent(unitId)}/inspection/reads`, { ...query })
		);
		return { ...page, items: page.items ?? [] };
	},
	categoryInspectors: (categoryId: string) => items<Inspector>(`/api/categories/${encodeURIComponent(categoryId)}/inspectors`),
	/** Names a category's referent inspectors (the list replaces the previous one). */
	setCategoryInspectors: async (categoryId: string, accountIds: string[], reason: string) =>
		(
			await request<{ items: Inspector[] | null }>('PUT', `/api/categories/${encodeURIComponent(categoryId)}/inspectors`, {
				body: { account_ids: accountIds, reason }
			})
		).items ?? [],
	orgs: (query: { q?: string; page?: number; per_page?: number } = {}) =>
		request<ListPage<Organisation>>('GET', withQuery('/api/orgs', { ...query })),
	createOrg: (input: NewOrganisation) => request<Organisation>('POST', '/api/orgs', { body: input }),
	org: async (id: string) => {
		const record = await request<OrganisationRecord>('GET', orgPath(id));
		return { ...record, units: record.units ?? [], members: record.members ?? [] };
	},
	updateOrg: (id: string, change: { name?: string; code?: string; contact_email?: string; address?: string; reason: string }) =>
		request<Organisation>('PATCH', orgPath(id), { body: change }),
	createUnit: (orgId: string, input: NewUnit) => request<Unit>('POST', orgPath(orgId, '/units'), { body: input }),

	units: (query: { q?: string; org?: string; page?: number; per_page?: number } = {}) =>
		request<ListPage<UnitEntry>>('GET', withQuery('/api/units', { ...query })),
	unit: (id: string) => request<Unit>('GET', unitPath(id)),
	updateUnit: (id: string, change: UnitChange) => request<Unit>('PATCH', unitPath(id), { body: change }),
	/** A unit's logo or stamp as a data: URL, for its preview. */
	unitImage: (id: string, which: UnitImage) => imageDataURL(unitPath(id, `/${which}`), 'image/png, image/jpeg'),
	setUnitImage: (id: string, which: UnitImage, file: File) =>
		request<Unit>('PUT', unitPath(id, `/${which}`), { form: fileForm(file) }),
	removeUnitImage: (id: string, which: UnitImage) => request<Unit>('DELETE', unitPath(id, `/${which}`)),

	/** The members of an organisation or a unit, by status (`invited`, `active`, `upcoming`, `ended`; '' for the current ones). */
	members: async (scope: 'org' | 'unit', id: string, query: { status?: string; page?: number; per_page?: number } = {}) => {
		const base = scope === 'org' ? orgPath(id, '/members') : unitPath(id, '/members');
		const page = await request<ListPage<Membership>>('GET', withQuery(base, { ...query }));
		return { ...page, items: page.items ?? [] };
	},
	addMember: (scope: 'org' | 'unit', id: string, input: NewMembership) =>
		request<Membership>('POST', scope === 'org' ? orgPath(id, '/members') : unitPath(id, '/members'), { body: input }),
	updateMembership: (id: string, change: MembershipChange) =>
		request<Membership>('PATCH', `/api/memberships/${encodeURIComponent(id)}`, { body: change }),
	endMembership: (id: string, reason: string) =>
		request<void>('DELETE', `/api/memberships/${encodeURIComponent(id)}`, { body: { reason } }),
	resendMembership: (id: string) => request<Membership>('POST', `/api/memberships/${encodeURIComponent(id)}/resend`),
	myMemberships: () => items<Membership>('/api/me/memberships'),

	functions: () => items<MemberFunction>('/api/functions'),
	/** Replaces the whole catalogue of functions, in its order. */
	saveFunctions: async (entries: FunctionInput[], reason: string) =>
		(await request<{ items: MemberFunction[] | null }>('PUT', '/api/functions', { body: { items: entries, reason } })).items ?? [],

	fileChangeRequest: (orgId: string, input: NewChangeRequest) =>
		request<ChangeRequest>('POST', orgPath(orgId, '/change-requests'), { body: input }),
	/** The secretariat's queue (every request), anyone else's own requests; pending first. */
	changeRequests: async (query: { status?: string; page?: number; per_page?: number } = {}) => {
		const page = await request<ListPage<ChangeRequest>>('GET', withQuery('/api/change-requests', { ...query }));
		return { ...page, items: page.items ?? [] };
	},
	decideChangeRequest: (id: string, decision: 'apply' | 'reject', reason: string) =>
		request<ChangeRequest>('POST', `/api/change-requests/${encodeURIComponent(id)}/${decision}`, { body: { reason } }),

	previewMessage: (input: NewMessage) => request<{ recipients: number }>('POST', '/api/messages/preview', { body: input }),
	sendMessage: (input: NewMessage) => request<SentMessage>('POST', '/api/messages', { body: input }),
	messages: async (query: { page?: number; per_page?: number } = {}) => {
		const page = await request<ListPage<SentMessage>>('GET', withQuery('/api/messages', { ...query }));
		return { ...page, items: page.items ?? [] };
	},

	documents: () => items<PublishedDocument>('/api/documents'),
	publishDocument: (title: string, audience: DocumentAudience, file: File) => {
		const form = fileForm(file);
		form.append('title', title);
		form.append('audience', JSON.stringify(audience));
		return request<PublishedDocument>('POST', '/api/documents', { form });
	},
	downloadDocument: (doc: Pick<PublishedDocument, 'id' | 'filename'>) =>
		download(`/api/documents/${encodeURIComponent(doc.id)}`, doc.filename),
	deleteDocument: (id: string) => request<void>('DELETE', `/api/documents/${encodeURIComponent(id)}`),

	/** Previews a CSV of memberships for an organisation or a unit: a dry run, its first page of lines. */
	previewImport: (scopeType: 'org' | 'unit', scopeId: string, file: File) => {
		const form = fileForm(file);
		form.append('scope_type', scopeType);
		form.append('scope_id', scopeId);
		return request<ImportRun>('POST', '/api/imports', { form });
	},
	importRun: (id: string, query: { fate?: ImportFate | ''; page?: number; per_page?: number } = {}) =>
		request<ImportRun>('GET', withQuery(`/api/imports/${encodeURIComponent(id)}`, { ...query })),
	applyImport: (id: string, confirmEnding: boolean) =>
		request<ImportRun>('POST', `/api/imports/${encodeURIComponent(id)}/apply`, { body: { confirm_ending: confirmEnding } })
};
