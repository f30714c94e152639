// What the API sends and takes, as the SPA reads it: the shapes of its bodies, answers and
// queries (see API.md). Types only: the client that makes the calls is api.ts.

/** A platform role, lowest first; `secretariat` keeps organisations, units and memberships and sees no case file. */
export type Role = 'reader' | 'editor' | 'admin' | 'superadmin' | 'secretariat';

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
	/** GET /api/me only: the units the caller's live memberships reach, and what they may do there. */
	units?: ScopeUnit[];
	/** GET /api/me only: the organisations the caller's live memberships reach. */
	orgs?: ScopeOrg[];
	/** GET /api/me only: the caller may create practice case files (a helper, or an editor who administers nothing). */
	may_practise?: boolean;
}

/** A unit as the caller's own account shows it (GET /api/me `units`). */
export interface ScopeUnit {
	id: string;
	name: string;
	code: string;
	org_id: string;
	/** They administer it, directly or through its organisation. */
	admin: boolean;
	/** They create case files there. */
	editor: boolean;
}

/** An organisation as the caller's own account shows it (GET /api/me `orgs`). */
export interface ScopeOrg {
	id: string;
	name: string;
	code: string;
	admin: boolean;
}

/** The life of an organisation or a unit. */
export type ScopeStatus = 'invited' | 'active' | 'closed';

/** An organisation (GET /api/orgs). */
export interface Organisation {
	id: string;
	name: string;
	code: string;
	address: string;
	contact_email: string;
	status: ScopeStatus;
	/** Its record, units and memberships are changed by the secretariat only. */
	centrally_managed: boolean;
	created_at: string;
	updated_at: string;
}

/** An organisation's record with its units and its current members (GET /api/orgs/{id}). */
export interface OrganisationRecord extends Organisation {
	units: Unit[];
	members: Membership[];
}

/** The body of POST /api/orgs. */
export interface NewOrganisation {
	name: string;
	code: string;
	address?: string;
	contact_email?: string;
	admin_email: string;
	admin_name?: string;
	centrally_managed?: boolean;
	reason: string;
}

/** The body of POST /api/orgs/{id}/units. */
export interface NewUnit {
	name: string;
	code: string;
	contact_email: string;
	address?: string;
	admin_email?: string;
	admin_name?: string;
	reason: string;
}

/** The modules a unit switches on or off. */
export interface Modules {
	helpers: boolean;
	attachments: boolean;
	reminders: boolean;
	/** The unit's case files may be proposed to other units. */
	transfers?: boolean;
	/** The unit may open categories to referent inspectors. */
	inspectors?: boolean;
}

/** A unit as the directory shows it (GET /api/units). */
export interface UnitEntry {
	id: string;
	name: string;
	code: string;
	organisation: { id: string; name: string };
}

/**
 * A unit as one caller sees it (GET /api/units/{id}): its directory entry, and its settings
 * when the caller keeps it (`modules` present) — absent otherwise.
 */
export interface Unit extends UnitEntry {
	org_id?: string;
	contact_email?: string;
	address?: string;
	status?: ScopeStatus;
	modules?: Modules;
	accepts_transfers?: boolean;
	has_logo?: boolean;
	has_stamp?: boolean;
	created_at?: string;
	updated_at?: string;
}

/** The body of PATCH /api/units/{id}: what is absent stays. */
export interface UnitChange {
	name?: string;
	code?: string;
	contact_email?: string;
	address?: string;
	modules?: Partial<Modules>;
	accepts_transfers?: boolean;
	reason: string;
}

/** A unit's two images. */
export type UnitImage = 'logo' | 'stamp';

/** A role inside an organisation or a unit (`editor` in units only). */
export type MembershipRole = 'admin' | 'editor' | 'member';

/** Where a membership stands now (computed by the server from its dates and its invitation). */
export type MembershipStatus = 'invited' | 'active' | 'upcoming' | 'ended';

/** An account (or, while invited, an e-mail) in an organisation or a unit. */
export interface Membership {
	id: string;
	account_id: string | null;
	/** For the scope's keepers and the holder only. */
	email?: string;
	/** Empty while invited. */
	name: string;
	scope_type: 'org' | 'unit';
	scope_id: string;
	scope_name: string;
	org_id: string;
	role: MembershipRole;
	functions: string[] | null;
	valid_from: string;
	valid_until: string | null;
	status: MembershipStatus;
	invitation_expires_at?: string;
	created_at: string;
	updated_at: string;
}

/** The body of POST /api/orgs/{id}/members and /api/units/{id}/members. */
export interface NewMembership {
	email: string;
	name?: string;
	role: MembershipRole;
	functions?: string[];
	/** `YYYY-MM-DD` (from its first instant, UTC) or RFC 3339. */
	valid_from?: string;
	valid_until?: string;
	reason: string;
}

/** The body of PATCH /api/memberships/{id}: what is absent stays; `valid_until: ''` for no end. */
export interface MembershipChange {
	role?: MembershipRole;
	functions?: string[];
	valid_from?: string;
	valid_until?: string;
	reason: string;
}

/** The caller's own account (GET /api/me), with the units and organisations their memberships reach. */
export type Me = User;

/** A unit as another record names it. */
export interface UnitRef {
	id: string;
	name: string;
	code: string;
}

/** Public settings of the instance (GET /api/config). */
export interface InstanceConfig {
	name: string;
	languages: string[];
	default_locale: string;
	registration_open: boolean;
	/** Where e-mails go: `log` when no SMTP server is configured (printed to the server's log, not sent). */
	email_delivery: 'smtp' | 'log';
	/** The confidentiality pledge a newcomer signs, in the request's language. */
	pledge: string;
	/** The largest attachment accepted, in bytes; 0 until the server says. */
	attachment_max_bytes: number;
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
	/** `account`: an admin invites a person onto the platform; `collaboration`: a helper onto a case file; `membership`: someone into an organisation or a unit. */
	kind: string;
	email: string;
	role?: Role | MembershipRole;
	inviter: string;
	/** For a collaboration: the case file's reference and the kind of help. */
	reference?: string;
	collaboration_kind?: HelperKind;
	/** For a membership (`role` is then its role): the scope's type and name. */
	scope_type?: 'org' | 'unit';
	scope_name?: string;
}

/** What accepting an invitation gave (POST /api/invitations/accept). */
export interface AcceptedInvitation {
	kind: 'collaboration' | 'membership';
	case_id?: string;
	membership?: Membership;
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

/** Where the caller's second factor stands (GET /api/me/second-factor). */
export interface SecondFactorStatus {
	/** An authenticator is confirmed: logging in asks for its code. */
	enrolled: boolean;
	/** An enrolment was started and waits for its first code. */
	pending: boolean;
	/** The instance requires a second factor of the caller's role. */
	required: boolean;
	recovery_codes_left: number;
}

/** A started enrolment: the secret for typing by hand and the URI its QR code holds. */
export interface SecondFactorEnrolment {
	secret: string;
	uri: string;
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
	/** The unit an editor asks to edit for, where the instance has several. */
	unit?: { id: string; name: string; code: string } | null;
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
	/** The organisation and unit the entry belongs to; absent for the instance's. */
	org_id?: string;
	unit_id?: string;
	/** The acting account's name; '' for no one or the system. */
	actor_name: string;
	/** The object in words: a name, a case file's reference, a category's id. */
	object_label: string;
	/** Names and references of the accounts and case files the details name, and of its organisation and unit, by id. */
	names: Record<string, string>;
}

/** The outcome of GET /api/audit/verify. */
export interface AuditVerification {
	ok: boolean;
	entries: number;
	broken_at?: number;
	problem?: string;
}

/** An e-mail status in the outbox. */
export type OutboxStatus = 'queued' | 'sent' | 'printed' | 'failed';

/** What became of a test e-mail (POST /api/outbox/test): exactly what the SMTP server answered. */
export interface TestMailResult {
	/** `log`: no SMTP server is configured; the e-mail was printed to the server's log. */
	delivery: 'smtp' | 'log';
	ok: boolean;
	server?: string;
	tls?: string;
	stage?: 'connect' | 'send' | 'message';
	code?: number;
	reply: string;
}

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
	object_type?: string;
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

/** A case file's status, in the order of its life. */
export type CaseStatus = 'draft' | 'open' | 'pending' | 'litigation' | 'closed' | 'archived';

/** How a closed case file ended. */
export type CaseOutcome = 'obtained' | 'partial' | 'rejected' | 'abandoned';

/** A helper's kind. */
export type HelperKind = 'support' | 'trainee' | 'mentee';

/** A category of case files, labelled in every language it has a label in, by language code. */
export interface Category {
	id: string;
	labels: Record<string, string>;
	active: boolean;
	position: number;
}

/** A set of categories an admin adds in one go (GET /api/category-presets). */
export interface CategoryPreset {
	key: string;
	/** In the reader's language. */
	name: string;
	categories: { id: string; labels: Record<string, string> }[];
}

/** A case file in a list. */
export interface CaseSummary {
	id: string;
	reference: string;
	title: string;
	category_id: string;
	status: CaseStatus;
	outcome: CaseOutcome | null;
	version: number;
	created_at: string;
	updated_at: string;
	/** A practice case file (a helper's exercise); absent means false. */
	practice?: boolean;
	/** The unit the case file belongs to. */
	unit_id?: string;
}

/** The facts of a case file a person may change (PATCH /api/cases/{id}). */
export interface CaseFacts {
	title: string;
	category_id: string;
	summary: string;
	/** `YYYY-MM-DD`; '' (or null from the server) when unknown. */
	facts_date: string | null;
	place: string;
}

/** A person on a case file. */
export interface Person {
	id: string;
	name: string;
	email?: string;
}

/** A helper on a case file. */
export interface Collaborator {
	id: string;
	account_id: string | null;
	name: string;
	/** Shown to the case managers only. */
	email?: string;
	kind: HelperKind;
	major: boolean;
	/** When access ends (an RFC 3339 time), if ever. */
	until: string | null;
	status: 'active' | 'invited';
	created_at: string;
}

/** What the caller may do on a case file, as the server decided it. */
export interface CasePermissions {
	edit: boolean;
	transitions: CaseStatus[];
	delete: boolean;
	assign: boolean;
	invite: boolean;
	report: boolean;
	/** Whether the caller may propose to transfer it to another unit; absent means no. */
	transfer?: boolean;
	/** `inspector` for a referent inspector, who only reads. */
	relation: string;
}

/** A whole case file (GET /api/cases/{id}); version is the one its ETag named. */
export interface CaseDetail extends CaseFacts {
	id: string;
	reference: string;
	status: CaseStatus;
	outcome: CaseOutcome | null;
	creator_id: string;
	version: number;
	created_at: string;
	updated_at: string;
	/** A practice case file; absent means false. */
	practice?: boolean;
	assignees: Person[];
	collaborators: Collaborator[];
	permissions: CasePermissions;
	/** The unit the case file belongs to. */
	unit?: { id: string; name: string; code: string };
	/** The modules its unit has on: a module that is off disappears from the page. */
	modules?: Modules;
	/** Free text that looks like personal data, per field: contains_email, contains_phone, contains_nir or contains_iban (the first kind found). */
	warnings?: Record<string, string>;
}

/** Filters, sort and page of GET /api/cases. */
export interface CaseQuery {
	q?: string;
	status?: string;
	category?: string;
	assignee?: string;
	unit?: string;
	/** `true`: only practice case files; `false`: none of them. */
	practice?: string;
	sort?: string;
	page?: number;
	per_page?: number;
}

/** One event of a case file's history. */
export interface HistoryEntry {
	id: number;
	at: string;
	actor_id: string;
	actor_name: string;
	kind: string;
	from_status?: string;
	to_status?: string;
	comment?: string;
	fields?: string[];
}

/** A note of a case file's timeline. */
export interface Note {
	id: string;
	author_id: string;
	author_name: string;
	body: string;
	created_at: string;
}

/** A deadline of a case file. */
export interface Deadline {
	id: string;
	case_id: string;
	title: string;
	due_date: string;
	done: boolean;
	created_at: string;
}

/** A file attached to a case file. */
export interface Attachment {
	id: string;
	filename: string;
	media_type: string;
	size: number;
	uploaded_by: string;
	created_at: string;
}

/** The home page of a person (GET /api/me/overview). */
export interface Overview {
	counts: Partial<Record<CaseStatus, number>>;
	deadlines: { id: string; case_id: string; reference: string; case_title: string; title: string; due_date: string }[];
	helping: (CaseSummary & { kind: HelperKind; assignees: string[] | null })[];
	/** For a referent inspector: what units opened to them, by unit and category; absent or empty for others. */
	inspection?: InspectedGroup[];
}

/** One (unit, category) open to an inspector, with the case files they may read there by status. */
export interface InspectedGroup {
	unit: UnitRef;
	category_id: string;
	counts: Partial<Record<CaseStatus, number>>;
}

/** Where a transfer stands. */
export type TransferStatus = 'pending' | 'accepted' | 'refused' | 'cancelled';

/** The person's consent to a transfer, as it was collected. */
export interface Consent {
	given_by: 'person' | 'guardian';
	/** `YYYY-MM-DD` or an RFC 3339 time when sent; an RFC 3339 time when read. */
	given_at: string;
	collected_by: string;
}

/** The body of POST /api/cases/{id}/transfers. */
export interface NewTransfer {
	to_unit_code: string;
	consent: Consent;
	comment: string;
}

/** A transfer as either side sees it: what the destination needs to decide, nothing of the content. */
export interface Transfer {
	id: string;
	/** The case file while it exists; before acceptance it opens nothing for the destination. */
	case_id: string | null;
	reference: string;
	category_id: string;
	from_unit: UnitRef;
	to_unit: UnitRef;
	/** The requester's name. */
	requester: string;
	consent: Consent;
	comment: string;
	status: TransferStatus;
	/** A refusal's reason. */
	reason?: string;
	decided_at: string | null;
	created_at: string;
	/** `in`: the caller administers the destination; `out`: the origin, or they asked for it. */
	direction: 'in' | 'out';
}

/** Filters and page of GET /api/transfers. */
export interface TransferQuery {
	direction?: string;
	status?: string;
	page?: number;
	per_page?: number;
}

/** A referent inspector. */
export interface Inspector {
	id: string;
	name: string;
	email: string;
}

/** For one category of a unit: its referent inspectors and whether the unit opened it to them. */
export interface CategoryInspection {
	category_id: string;
	/** The category's label by language code. */
	labels: Record<string, string>;
	open: boolean;
	opened_at: string | null;
	inspectors: Inspector[];
}

/** One read of a case file by an inspector, for the unit's admins. */
export interface InspectionRead {
	at: string;
	inspector_id: string;
	inspector: string;
	case_id: string | null;
	reference: string;
}

/** Who else has a case file open, and its current version (POST /api/cases/{id}/presence). */
export interface Presence {
	others: { name: string }[];
	version: number;
}

/** A file the server sent: its content and the name from Content-Disposition. */
export interface DownloadedFile {
	blob: Blob;
	filename: string;
}

/** An entry of the catalogue of functions a membership may hold (GET /api/functions). */
export interface MemberFunction {
	code: string;
	label_fr: string;
	label_en: string;
	/** Empty when the entry has none: German readers then read the English label. */
	label_de: string;
	position: number;
	/** An inactive function stays on the memberships that hold it; forms stop offering it. */
	active: boolean;
}

/** One entry of the catalogue as PUT /api/functions takes it. */
export interface FunctionInput {
	code: string;
	label_fr: string;
	label_en: string;
	/** Left out, the entry keeps the German label it had; empty, it has none. */
	label_de?: string;
	active: boolean;
}

/** The kinds of change request a member of a centrally managed organisation files. */
export type ChangeKind = 'add_member' | 'end_member' | 'update_member' | 'update_record';

/** Where a change request stands. */
export type ChangeStatus = 'pending' | 'applied' | 'rejected';

/** A change request's details; which fields count depends on its kind (see the API's ChangeDetails). */
export interface ChangeDetails {
	unit_id?: string;
	email?: string;
	name?: string;
	role?: MembershipRole;
	functions?: string[];
	valid_from?: string;
	valid_until?: string;
	membership_id?: string;
	record?: { name?: string; address?: string; contact_email?: string };
}

/** The body of POST /api/orgs/{id}/change-requests. */
export interface NewChangeRequest {
	kind: ChangeKind;
	details: ChangeDetails;
	message: string;
}

/** A filed change request (GET /api/change-requests). */
export interface ChangeRequest {
	id: string;
	org_id: string;
	org_name: string;
	requester_id: string;
	requester: string;
	kind: ChangeKind;
	details: ChangeDetails;
	message: string;
	status: ChangeStatus;
	/** The decision's reason. */
	reason?: string;
	decided_at: string | null;
	created_at: string;
}

/** Who a message goes to: empty lists do not narrow. */
export interface MessageAudience {
	org_ids?: string[];
	unit_ids?: string[];
	roles?: MembershipRole[];
	functions?: string[];
}

/** The body of POST /api/messages and /api/messages/preview. */
export interface NewMessage {
	subject: string;
	body: string;
	audience: MessageAudience;
}

/** A message as the "messages sent" list shows it. */
export interface SentMessage {
	id: string;
	sender: string;
	subject: string;
	body: string;
	audience: MessageAudience;
	recipients: number;
	created_at: string;
}

/** Who a document is for: empty lists do not narrow. */
export interface DocumentAudience {
	org_ids?: string[] | null;
	roles?: MembershipRole[] | null;
	functions?: string[] | null;
}

/** A published document (GET /api/documents). */
export interface PublishedDocument {
	id: string;
	title: string;
	filename: string;
	media_type: string;
	size: number;
	sha256: string;
	audience: DocumentAudience;
	publisher_id: string;
	created_at: string;
	/** The caller may delete it. */
	manage: boolean;
}

/** The instance's privacy policy in one language (GET /api/privacy). */
export interface PrivacyPolicy {
	locale: string;
	/** Plain text; paragraphs are separated by blank lines. */
	text: string;
	customised: boolean;
	name: string;
}

/** The texts an instance writes in its own words: the pledge and the privacy policy. */
export type InstanceTextKind = 'pledge' | 'privacy';

/** One instance text in one language, with the built-in one beside it. */
export interface InstanceText {
	locale: string;
	text: string;
	default: string;
	customised: boolean;
}

/** An instance text in every language of the instance. */
export interface InstanceTexts {
	kind: InstanceTextKind;
	items: InstanceText[];
}

/** What an import does with a line of its file (`ended`: a membership the file leaves out). */
export type ImportFate = 'created' | 'updated' | 'unchanged' | 'ended' | 'error';

/** A line of an import and its fate (POST /api/imports, GET /api/imports/{id}). */
export interface ImportLine {
	/** Where it starts in the file (the header is line 1); 0 for a membership the file ends. */
	line: number;
	external_id: string;
	fate: ImportFate;
	membership_id: string | null;
	email: string;
	name: string;
	/** The fields that change, with their value before and after. */
	changes: Record<string, { from: unknown; to: unknown }>;
	/** Why the line cannot be imported: its column and a reason code. */
	error?: { column: string; reason: string };
}

/** An import run: a file previewed for an organisation or a unit, then perhaps applied. */
export interface ImportRun {
	id: string;
	scope_type: 'org' | 'unit';
	scope_id: string;
	scope_name: string;
	org_id: string;
	author_id: string;
	author_name: string;
	status: 'dry_run' | 'applied' | 'superseded';
	filename: string;
	sha256: string;
	counts: Record<ImportFate | 'lines', number>;
	scope_memberships: number;
	/** Applying needs confirm_ending: it ends more than a fifth of the scope's memberships. */
	needs_confirm_ending: boolean;
	created_at: string;
	applied_at: string | null;
	lines: ListPage<ImportLine>;
}
