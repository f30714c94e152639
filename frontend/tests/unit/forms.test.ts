import { describe, expect, it } from 'vitest';
import { checkNewPassword, checkReason, hasReasons, minReasonLength } from '../../src/lib/forms';

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
