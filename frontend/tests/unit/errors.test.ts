import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/lib/api';
import { describeError, fieldError, fieldMessage } from '../../src/lib/errors';
import { hasMessage, setLocale } from '../../src/lib/i18n/locale.svelte';

beforeEach(() => setLocale('fr'));

describe('describeError', () => {
	it('translates a code the catalogue knows, in the current language', () => {
		const error = new ApiError(403, 'invalid_setup_token', 'server text');
		expect(describeError(error)).toBe('Ce lien d’installation n’est pas valide ou a déjà servi.');
		setLocale('en');
		expect(describeError(error)).toBe('This setup link is not valid or has already been used.');
	});

	it('shows the correlation id of an internal error', () => {
		expect(describeError(new ApiError(500, 'internal', '', {}, 'c0ffee'))).toContain('c0ffee');
	});

	it("falls back to the server's message, then to the status", () => {
		expect(describeError(new ApiError(409, 'something_new', 'Texte du serveur'))).toBe('Texte du serveur');
		expect(describeError(new ApiError(418, 'http_418', ''))).toBe('Une erreur inattendue est survenue (code 418).');
	});

	it('says nothing when nothing failed', () => {
		expect(describeError(null)).toBe('');
	});
});

describe('fieldError', () => {
	it('puts the reason of a named field in words, and nothing for a field not named', () => {
		const reasons = { email: 'email', name: '' };
		expect(fieldError(reasons, 'email')).toBe(fieldMessage('email'));
		expect(fieldError(reasons, 'name')).toBeUndefined();
		expect(fieldError(reasons, 'password')).toBeUndefined();
	});
});

describe('fieldMessage', () => {
	it('translates the API reasons, with the value after "="', () => {
		expect(fieldMessage('required')).toBe('Ce champ est obligatoire.');
		expect(fieldMessage('min=10')).toBe('Au moins 10 caractères.');
		setLocale('en');
		expect(fieldMessage('max=256')).toBe('At most 256 characters.');
	});

	it('translates the reasons of the account and administration API', () => {
		expect(fieldMessage('taken')).toBe('Cette adresse e-mail a déjà un compte.');
		expect(fieldMessage('wrong')).toBe('Ce mot de passe n’est pas le bon.');
		expect(fieldMessage('oneof=queued sent failed')).toBe('Choisissez une des valeurs proposées.');
		setLocale('en');
		expect(fieldMessage('not_higher')).toBe('This role is not higher than yours.');
	});

	it('words an unknown reason as a plain refusal, never as its code', () => {
		expect(fieldMessage('weird=a b')).toBe('Cette valeur n’est pas acceptée.');
	});
});

describe('the API contract', () => {
	// Every error code and field reason the server can send (server/errormessages.go, the store's
	// coded errors, the validator's tags): each one must read as words, in both languages.
	const codes = [
		'bad_request', 'unauthenticated', 'invalid_credentials', 'forbidden', 'not_found', 'method_not_allowed',
		'conflict', 'version_mismatch', 'version_required', 'validation_failed', 'too_many_requests',
		'payload_too_large', 'unsupported_media_type', 'timeout', 'invalid_setup_token', 'setup_done', 'internal',
		'registration_closed', 'request_pending', 'already_decided', 'superadmin_only', 'last_superadmin', 'self',
		'not_blocked', 'deregistered', 'not_failed'
	];
	const reasons = [
		'required', 'email', 'taken', 'min=10', 'max=256', 'common_password', 'wrong', 'invalid', 'not_higher',
		'datetime', 'oneof=editor admin', 'role', 'locale'
	];

	it.each(['fr', 'en'] as const)('has a message for every code and reason in %s', (locale) => {
		setLocale(locale);
		for (const code of codes) {
			expect(hasMessage(`error.${code}`), code).toBe(true);
			expect(describeError(new ApiError(409, code, '')), code).not.toMatch(/unexpected|inattendue/);
		}
		for (const reason of reasons) expect(fieldMessage(reason), reason).not.toBe(reason);
	});
});

describe('a size limit', () => {
	it('reads as a size in the reader’s language, not as bytes', async () => {
		const { fieldMessage } = await import('../../src/lib/errors');
		const { setLocale } = await import('../../src/lib/i18n/locale.svelte');
		setLocale('fr');
		expect(fieldMessage('max_size=10485760')).toBe('Ce fichier est trop volumineux : 10 Mo au plus.');
		setLocale('de');
		expect(fieldMessage('max_size=524288')).toBe('Diese Datei ist zu groß: höchstens 512 KB.');
		setLocale('fr');
	});
});
