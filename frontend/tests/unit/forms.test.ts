import { describe, expect, it } from 'vitest';
import {
	checkEmail,
	checkNewAccount,
	checkNewPassword,
	checkPasswordGiven,
	checkReason,
	checkRequired,
	hasReasons,
	minReasonLength,
	reasonsFound
} from '../../src/lib/forms';

describe('checkReason', () => {
	it('asks for a reason when there is none, or only blanks', () => {
		expect(checkReason('')).toBe('required');
		expect(checkReason('   \n\t')).toBe('required');
	});

	it('needs ten characters once trimmed, as the server counts them', () => {
		expect(minReasonLength).toBe(10);
		expect(checkReason('too short')).toBe('min=10');
		expect(checkReason('   nine chr   ')).toBe('min=10');
		expect(checkReason('ten chars!')).toBe('');
		// Characters, not UTF-16 units: ten accented letters or emoji are ten characters.
		expect(checkReason('éééééééééé')).toBe('');
		expect(checkReason('🙂🙂🙂🙂🙂🙂🙂🙂🙂')).toBe('min=10');
		expect(checkReason('🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂')).toBe('');
	});
});

describe('checkNewPassword', () => {
	it('accepts a long enough password typed twice alike', () => {
		expect(checkNewPassword('correct horse battery', 'correct horse battery')).toEqual({});
	});

	it('reports a short password and a mismatch on their own fields', () => {
		expect(checkNewPassword('short', 'short')).toEqual({ password: 'min=10' });
		expect(checkNewPassword('correct horse battery', 'correct horse')).toEqual({
			password_confirmation: 'password_mismatch'
		});
		expect(checkNewPassword('short', '', { password: 'new_password', confirmation: 'again' })).toEqual({
			new_password: 'min=10',
			again: 'password_mismatch'
		});
	});

	it('hasReasons tells an empty set from one with a reason', () => {
		expect(hasReasons({})).toBe(false);
		expect(hasReasons({ reason: 'required' })).toBe(true);
	});
});

describe('checkRequired, checkEmail and reasonsFound', () => {
	it('asks for a value that is blank, or a box left unticked', () => {
		expect(checkRequired('')).toBe('required');
		expect(checkRequired('  \n')).toBe('required');
		expect(checkRequired(' x ')).toBe('');
		expect(checkRequired(false)).toBe('required');
		expect(checkRequired(true)).toBe('');
	});

	it('asks for an e-mail address, then for one that looks like one', () => {
		expect(checkEmail('  ')).toBe('required');
		expect(checkEmail('ada')).toBe('email');
		expect(checkEmail(' ada@example.org ')).toBe('');
	});

	it('takes a password as typed: blanks may be part of it', () => {
		expect(checkPasswordGiven('')).toBe('required');
		expect(checkPasswordGiven('   ')).toBe('');
	});

	it('checks what a new account sets: the password twice and the pledge', () => {
		expect(checkNewAccount({ password: 'correct horse battery', confirmation: 'correct horse battery', pledge: true })).toEqual({});
		expect(checkNewAccount({ password: 'short', confirmation: 'other', pledge: false })).toEqual({
			password: 'min=10',
			password_confirmation: 'password_mismatch',
			pledge: 'required'
		});
	});

	it('keeps only the fields a check found something wrong with', () => {
		expect(reasonsFound({ email: 'email', name: '', pledge: 'required' })).toEqual({ email: 'email', pledge: 'required' });
		expect(hasReasons(reasonsFound({ email: '', name: '' }))).toBe(false);
	});
});
