// Pages and components mounted in happy-dom against a fake API: what the browser tests
// cannot reach cheaply (fragments, role-dependent navigation, client-side checks).
import { flushSync, mount, unmount, type Component } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import Header from '../../src/components/Header.svelte';
import ChangeRequestForm from '../../src/components/ChangeRequestForm.svelte';
import ReasonAction from '../../src/components/ReasonAction.svelte';
import { loginHint } from '../../src/lib/account.svelte';
import { adminState } from '../../src/lib/admin.svelte';
import type { Role } from '../../src/lib/apiTypes';
import { setLocale } from '../../src/lib/i18n/locale.svelte';
import { navigate, router } from '../../src/lib/router.svelte';
import { signIn, signOut } from '../../src/lib/session.svelte';
import Activate from '../../src/pages/Activate.svelte';
import Functions from '../../src/pages/admin/Functions.svelte';
import Invitation from '../../src/pages/Invitation.svelte';

function json(status: number, body: unknown): Response {
	return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

const account = (role: Role) => ({
	id: 'u1',
	email: 'ada@example.org',
	name: 'Ada',
	role,
	status: 'active',
	locale: 'fr',
	created_at: '2026-01-01T00:00:00Z'
}) as const;

let fetchMock: ReturnType<typeof vi.fn>;
let target: HTMLElement;
let mounted: ReturnType<typeof mount> | null = null;

function show<Props extends Record<string, any>>(component: Component<Props>, props: Props) {
	mounted = mount(component, { target, props });
	flushSync();
	return target;
}

const text = () => target.textContent?.replace(/\s+/g, ' ') ?? '';
const body = (call: number) => JSON.parse(fetchMock.mock.calls[call][1].body);
// The calls a page made besides loading the privacy policy, which the pledge shows beside it.
const ownCalls = () => fetchMock.mock.calls.filter((call) => !String(call[0]).startsWith('/api/privacy'));
const ownBody = (call: number) => JSON.parse(ownCalls()[call][1].body);

beforeEach(() => {
	fetchMock = vi.fn();
	vi.stubGlobal('fetch', fetchMock);
	setLocale('fr');
	signOut();
	navigate('/');
	target = document.createElement('div');
	document.body.append(target);
});

afterEach(() => {
	if (mounted) unmount(mounted);
	mounted = null;
	target.remove();
	vi.unstubAllGlobals();
});

describe('Header', () => {
	const links = () => [...target.querySelectorAll('a')].map((a) => a.getAttribute('href'));

	it('shows no administration to a reader', () => {
		signIn('t', account('reader'));
		show(Header, {});
		expect(links()).toEqual(['/', '/', '/cases', '/me']);
		expect(target.querySelector('nav[aria-label="Administration"]')).toBeNull();
	});

	it('shows an admin the administration with the pending count, but not the outbox', () => {
		signIn('t', account('admin'));
		adminState.pendingRequests = 3;
		show(Header, {});
		expect(links()).toEqual([
			'/',
			'/',
			'/cases',
			'/transfers',
			'/inspection',
			'/documents',
			'/me',
			'/admin/users',
			'/admin/role-requests',
			'/admin/categories',
			'/admin/texts',
			'/admin/audit',
			'/orgs',
			'/units'
		]);
		const requests = target.querySelector('a[href="/admin/role-requests"]');
		expect(requests?.textContent?.replace(/\s+/g, ' ').trim()).toBe('Demandes de rôle3 (3 en attente)');
		adminState.pendingRequests = 0;
	});

	it('adds the outbox for a superadmin and marks the current page', () => {
		signIn('t', account('superadmin'));
		navigate('/admin/users/42');
		show(Header, {});
		expect(links()).toContain('/admin/outbox');
		expect(target.querySelector('a[aria-current="page"]')?.getAttribute('href')).toBe('/admin/users');
	});
});

describe('Activate', () => {
	it('takes the token from the fragment, wipes it and activates', async () => {
		history.replaceState(null, '', '/activate#token=tok_123-abc');
		fetchMock.mockResolvedValue(json(200, { status: 'active' }));
		show(Activate, {});
		expect(window.location.href).toBe(`${window.location.origin}/activate`);
		await vi.waitFor(() => expect(text()).toContain('Votre adresse est confirmée'));
		expect(fetchMock.mock.calls[0][0]).toBe('/api/auth/activate');
		expect(body(0)).toEqual({ token: 'tok_123-abc' });
		expect(target.querySelector('a[href="/login"]')).not.toBeNull();
	});

	it('explains an expired or used link and offers to log in', async () => {
		history.replaceState(null, '', '/activate#token=used');
		fetchMock.mockResolvedValue(
			json(422, { error: { code: 'validation_failed', message: '', fields: { token: 'invalid' } } })
		);
		show(Activate, {});
		await vi.waitFor(() => expect(text()).toContain('Ce lien d’activation n’est pas valable'));
		expect(target.querySelector('[role="alert"] a[href="/login"]')).not.toBeNull();
	});

	it('calls nothing for a link without a token', () => {
		history.replaceState(null, '', '/activate');
		show(Activate, {});
		expect(text()).toContain('Ce lien est incomplet');
		expect(fetchMock).not.toHaveBeenCalled();
	});
});

describe('Invitation', () => {
	it('shows the invited e-mail, fixed, and registers with the invitation token', async () => {
		history.replaceState(null, '', '/invitation#token=inv-1');
		fetchMock.mockImplementation(async (path: string) =>
			path === '/api/invitations/inspect'
				? json(200, { kind: 'account', email: 'new@example.org', role: 'editor', inviter: 'Ada' })
				: json(202, { status: 'active' })
		);
		show(Invitation, {});
		expect(window.location.hash).toBe('');
		await vi.waitFor(() => expect(text()).toContain('Ada vous invite'));
		expect(text()).toContain('« Gestionnaire de dossiers »');
		const email = target.querySelector<HTMLInputElement>('#email')!;
		expect(email.value).toBe('new@example.org');
		expect(email.readOnly).toBe(true);

		const fill = (selector: string, value: string) => {
			const input = target.querySelector<HTMLInputElement>(selector)!;
			input.value = value;
			input.dispatchEvent(new Event('input', { bubbles: true }));
		};
		fill('#name', 'Grace');
		fill('#password', 'correct horse battery');
		fill('#password_confirmation', 'correct horse battery');
		target.querySelector<HTMLInputElement>('#pledge')!.click();
		flushSync();
		target.querySelector('form')!.requestSubmit();
		await vi.waitFor(() => expect(router.path).toBe('/login'));
		expect(ownBody(1)).toEqual({
			email: 'new@example.org',
			name: 'Grace',
			password: 'correct horse battery',
			pledge: true,
			locale: 'fr',
			invitation: 'inv-1'
		});
		expect(loginHint).toEqual({ email: 'new@example.org', caseReference: '', notice: 'invitationAccepted' });
	});

	it('refuses to register before the pledge is signed', async () => {
		history.replaceState(null, '', '/invitation#token=inv-2');
		fetchMock.mockResolvedValue(json(200, { kind: 'account', email: 'new@example.org', role: 'reader', inviter: '' }));
		show(Invitation, {});
		await vi.waitFor(() => expect(text()).toContain('Un administrateur vous invite'));
		target.querySelector('form')!.requestSubmit();
		await vi.waitFor(() => expect(target.querySelector('#pledge')?.getAttribute('aria-invalid')).toBe('true'));
		expect(ownCalls()).toHaveLength(1);
	});

	it('names the scope of a membership invitation and, logged in, accepts it and opens the unit one now administers', async () => {
		signIn('t', account('reader'));
		history.replaceState(null, '', '/invitation#token=inv-3');
		const membership = { id: 'm1', role: 'admin', scope_type: 'unit', scope_id: 'u-9', scope_name: 'École A' };
		fetchMock.mockImplementation(async (path: string) => {
			if (path === '/api/invitations/inspect') {
				return json(200, { kind: 'membership', email: 'ada@example.org', role: 'admin', inviter: 'Émilie', scope_type: 'unit', scope_name: 'École A' });
			}
			if (path === '/api/invitations/accept') return json(200, { kind: 'membership', membership });
			return json(200, { ...account('reader'), units: [], orgs: [] });
		});
		show(Invitation, {});
		await vi.waitFor(() => expect(text()).toContain('Émilie vous invite à rejoindre École A comme Administrateur·rice'));
		const accept = [...target.querySelectorAll('button')].find((button) => button.textContent === 'Accepter l’invitation')!;
		accept.click();
		await vi.waitFor(() => expect(router.path).toBe('/units/u-9'));
		expect(fetchMock.mock.calls.map((call) => call[0])).toContain('/api/invitations/accept');
		expect(body(1)).toEqual({ token: 'inv-3' });
	});
});

describe('ReasonAction', () => {
	it('does not act without a reason of ten characters', async () => {
		const run = vi.fn(async () => 'done');
		show(ReasonAction, { id: 'block', title: 'Bloquer', submitLabel: 'Bloquer le compte', run });
		target.querySelector('form')!.requestSubmit();
		await vi.waitFor(() => expect(text()).toContain('Ce champ est obligatoire.'));
		const reason = target.querySelector<HTMLTextAreaElement>('#block-reason')!;
		reason.value = 'too short';
		reason.dispatchEvent(new Event('input', { bubbles: true }));
		target.querySelector('form')!.requestSubmit();
		await vi.waitFor(() => expect(text()).toContain('Au moins 10 caractères.'));
		expect(run).not.toHaveBeenCalled();
	});

	it('asks for confirmation before a definitive action, then shows the server refusal', async () => {
		const { ApiError } = await import('../../src/lib/api');
		const run = vi.fn(async () => {
			throw new ApiError(409, 'last_superadmin', '');
		});
		show(ReasonAction, {
			id: 'deregister',
			title: 'Désinscrire',
			submitLabel: 'Désinscrire…',
			confirmText: 'Vraiment ?',
			confirmLabel: 'Oui, désinscrire',
			danger: true,
			run
		});
		const reason = target.querySelector<HTMLTextAreaElement>('#deregister-reason')!;
		reason.value = 'Décision du bureau du 3 mai';
		reason.dispatchEvent(new Event('input', { bubbles: true }));
		target.querySelector('form')!.requestSubmit();
		await vi.waitFor(() => expect(text()).toContain('Vraiment ?'));
		expect(run).not.toHaveBeenCalled();
		[...target.querySelectorAll('button')].find((button) => button.textContent?.includes('Oui, désinscrire'))!.click();
		await vi.waitFor(() => expect(run).toHaveBeenCalledWith('Décision du bureau du 3 mai'));
		await vi.waitFor(() => expect(text()).toContain('C’est le dernier superadministrateur actif'));
	});
});

describe('ChangeRequestForm', () => {
	const catalogue = [
		{ code: 'president', label_fr: 'Président·e', label_en: 'President', label_de: '', position: 10, active: true },
		{ code: 'tresorier', label_fr: 'Trésorier·ère', label_en: 'Treasurer', label_de: 'Kassier·in', position: 20, active: true }
	];
	const org = {
		id: 'o1',
		name: 'Saint-Luc',
		code: 'SL',
		address: '',
		contact_email: '',
		status: 'active',
		centrally_managed: true,
		created_at: '2026-01-01T00:00:00Z',
		updated_at: '2026-01-01T00:00:00Z',
		units: [],
		members: [
			{
				id: 'm1',
				account_id: 'a1',
				name: 'Marie',
				scope_type: 'org',
				scope_id: 'o1',
				scope_name: 'Saint-Luc',
				org_id: 'o1',
				role: 'member',
				functions: ['president'],
				valid_from: '2026-01-01T00:00:00Z',
				valid_until: null,
				status: 'active',
				created_at: '2026-01-01T00:00:00Z',
				updated_at: '2026-01-01T00:00:00Z'
			}
		]
	} as const;

	it('asks only what changes in a mandate, picked from the catalogue, and shows the field the server names', async () => {
		signIn('t', account('reader'));
		const sent: unknown[] = [];
		fetchMock.mockImplementation(async (path: string, init: RequestInit) => {
			if (path === '/api/functions') return json(200, { items: catalogue });
			sent.push(JSON.parse(String(init.body)));
			return sent.length === 1
				? json(422, { error: { code: 'validation_failed', message: '', fields: { 'details.valid_from': 'format' } } })
				: json(201, { id: 'cr1', status: 'pending' });
		});
		const filed = vi.fn();
		show(ChangeRequestForm, { org: structuredClone(org) as never, kind: 'update_member', membershipId: 'm1', onfiled: filed });
		await vi.waitFor(() => expect(text()).toContain('Trésorier·ère'));
		const box = (label: string) =>
			[...target.querySelectorAll('label')].find((l) => l.textContent === label)!.previousElementSibling as HTMLInputElement;
		expect(box('Président·e').checked).toBe(true);
		// Nothing changed: said on the form, nothing sent.
		target.querySelector('form')!.requestSubmit();
		await vi.waitFor(() => expect(text()).toContain('Changez au moins le rôle, les fonctions ou une date.'));
		expect(sent).toEqual([]);
		box('Trésorier·ère').click();
		flushSync();
		target.querySelector('form')!.requestSubmit();
		await vi.waitFor(() => expect(target.querySelector('#change-update-from')?.getAttribute('aria-invalid')).toBe('true'));
		expect(sent[0]).toEqual({ kind: 'update_member', details: { membership_id: 'm1', functions: ['president', 'tresorier'] }, message: '' });
		target.querySelector('form')!.requestSubmit();
		await vi.waitFor(() => expect(text()).toContain('Demande envoyée au secrétariat.'));
		expect(filed).toHaveBeenCalledTimes(1);
	});

	it('names the functions in German for a German reader, in English where the catalogue has no German label', async () => {
		signIn('t', account('reader'));
		setLocale('de');
		fetchMock.mockImplementation(async (path: string) =>
			path === '/api/functions' ? json(200, { items: catalogue }) : json(404, { error: { code: 'not_found', message: '' } })
		);
		show(ChangeRequestForm, { org: structuredClone(org) as never, kind: 'update_member', membershipId: 'm1', onfiled: vi.fn() });
		await vi.waitFor(() => expect(text()).toContain('Kassier·in'));
		const labels = [...target.querySelectorAll('label')].map((l) => l.textContent);
		expect(labels).toContain('President');
		expect(text()).not.toContain('Trésorier·ère');
	});
});

describe('Functions', () => {
	const catalogue = [
		{ code: 'president', label_fr: 'Président·e', label_en: 'President', label_de: '', position: 10, active: true },
		{ code: 'tresorier', label_fr: 'Trésorier·ère', label_en: 'Treasurer', label_de: 'Kassier·in', position: 20, active: true }
	];

	it('edits the German labels beside the French and English ones, and sends them', async () => {
		signIn('t', account('superadmin'));
		fetchMock.mockImplementation(async (path: string, init: RequestInit) => {
			if (init?.method === 'PUT') return json(200, { items: JSON.parse(String(init.body)).items.map((it: object, i: number) => ({ ...it, position: (i + 1) * 10 })) });
			if (path === '/api/functions') return json(200, { items: catalogue });
			return json(404, { error: { code: 'not_found', message: '' } });
		});
		show(Functions, {});
		const field = (label: string) => target.querySelector<HTMLInputElement>(`input[aria-label="${label}"]`)!;
		await vi.waitFor(() => expect(field('Libellé en allemand de tresorier')?.value).toBe('Kassier·in'));
		expect(text()).toContain('Libellé en allemand');
		expect(field('Libellé en allemand de president').value).toBe('');
		const german = field('Libellé en allemand de president');
		german.value = ' Präsident·in ';
		german.dispatchEvent(new Event('input', { bubbles: true }));
		const reason = target.querySelector<HTMLTextAreaElement>('#functions-reason')!;
		reason.value = 'Catalogue revu par le secrétariat';
		reason.dispatchEvent(new Event('input', { bubbles: true }));
		target.querySelector('form')!.requestSubmit();
		await vi.waitFor(() => expect(fetchMock.mock.calls.some((call) => call[1]?.method === 'PUT')).toBe(true));
		const put = fetchMock.mock.calls.find((call) => call[1]?.method === 'PUT')!;
		expect(JSON.parse(put[1].body).items).toEqual([
			{ code: 'president', label_fr: 'Président·e', label_en: 'President', label_de: 'Präsident·in', active: true },
			{ code: 'tresorier', label_fr: 'Trésorier·ère', label_en: 'Treasurer', label_de: 'Kassier·in', active: true }
		]);
	});
});
