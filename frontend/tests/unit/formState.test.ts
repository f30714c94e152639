import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/lib/api';
import { FormState } from '../../src/lib/forms.svelte';
import { setLocale } from '../../src/lib/i18n/locale.svelte';

/** A form of two fields, the second marked invalid, attached to the document so it can take focus. */
function makeForm(): HTMLFormElement {
	const form = document.createElement('form');
	form.innerHTML =
		'<input name="email" aria-invalid="false" /><input name="password" aria-invalid="true" /><input name="name" aria-invalid="true" />';
	document.body.append(form);
	return form;
}

afterEach(() => {
	document.body.innerHTML = '';
});

describe('FormState.submit', () => {
	it('is busy while the action runs, and no longer once it went through', async () => {
		const state = new FormState();
		let during: boolean | undefined;
		const ok = await state.submit(makeForm(), async () => {
			during = state.busy;
		});
		expect(during).toBe(true);
		expect(ok).toBe(true);
		expect(state.busy).toBe(false);
		expect(state.failure).toBeNull();
		expect(state.reasons).toEqual({});
	});

	it('records a refusal and its reasons, then focuses the first invalid field', async () => {
		const state = new FormState();
		const form = makeForm();
		const refusal = new ApiError(422, 'validation_failed', 'invalid', { password: 'min=10' });
		const ok = await state.submit(form, async () => {
			throw refusal;
		});
		expect(ok).toBe(false);
		expect(state.busy).toBe(false);
		expect(state.failure).toBe(refusal);
		expect(state.reasons).toEqual({ password: 'min=10' });
		expect(document.activeElement).toBe(form.querySelector('[name="password"]'));
	});

	it('throws other errors again, and is no longer busy afterwards', async () => {
		const state = new FormState();
		const bug = new TypeError('bug');
		await expect(
			state.submit(makeForm(), async () => {
				throw bug;
			})
		).rejects.toBe(bug);
		expect(state.busy).toBe(false);
		expect(state.failure).toBeNull();
	});

	it('lets onRefused deal with a refusal, which is then not recorded', async () => {
		const state = new FormState();
		const form = makeForm();
		const seen: string[] = [];
		const closed = new ApiError(403, 'registration_closed', 'closed');
		const ok = await state.submit(
			form,
			async () => {
				throw closed;
			},
			(error) => {
				seen.push(error.code);
				expect(state.busy).toBe(true);
				return true;
			}
		);
		expect(ok).toBe(false);
		expect(seen).toEqual(['registration_closed']);
		expect(state.failure).toBeNull();
		expect(state.busy).toBe(false);
		expect(document.activeElement).not.toBe(form.querySelector('[name="password"]'));
	});

	it('records the refusal as usual when onRefused leaves it', async () => {
		const state = new FormState();
		const refusal = new ApiError(409, 'request_pending', 'pending');
		await state.submit(
			undefined,
			async () => {
				throw refusal;
			},
			() => false
		);
		expect(state.failure).toBe(refusal);
		expect(state.busy).toBe(false);
	});
});

describe('FormState.check and reset', () => {
	it('lets the form be sent when the checks found nothing', () => {
		const state = new FormState();
		state.reasons = { email: 'required' };
		expect(state.check(makeForm(), {})).toBe(true);
		expect(state.reasons).toEqual({});
	});

	it('keeps the reasons found and focuses the first invalid field', async () => {
		const state = new FormState();
		const form = makeForm();
		expect(state.check(form, { password: 'required' })).toBe(false);
		expect(state.reasons).toEqual({ password: 'required' });
		await Promise.resolve();
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(document.activeElement).toBe(form.querySelector('[name="password"]'));
	});

	it('forgets the last refusal', () => {
		const state = new FormState();
		state.record(new ApiError(422, 'validation_failed', 'invalid', { email: 'email' }));
		state.reset();
		expect(state.failure).toBeNull();
		expect(state.reasons).toEqual({});
	});
});

describe('FormState.alert and error', () => {
	it('says nothing while all is well', () => {
		setLocale('fr');
		const state = new FormState();
		expect(state.alert).toBe('');
		expect(state.error('email')).toBeUndefined();
	});

	it('asks to correct the fields the checks or the server refused, each field in words', () => {
		setLocale('fr');
		const state = new FormState();
		state.reasons = { email: 'required' };
		expect(state.alert).toBe('Le formulaire contient des erreurs : corrigez les champs signalés.');
		expect(state.error('email')).toBe('Ce champ est obligatoire.');
		state.record(new ApiError(422, 'validation_failed', 'invalid', { password: 'min=10' }));
		expect(state.alert).toBe('Le formulaire contient des erreurs : corrigez les champs signalés.');
		expect(state.error('password')).toBe('Au moins 10 caractères.');
		expect(state.error('email')).toBeUndefined();
	});

	it('says any other refusal in words, and a refused form without fields too', () => {
		setLocale('fr');
		const state = new FormState();
		state.record(new ApiError(401, 'invalid_credentials', 'bad'));
		expect(state.alert).toBe('Adresse e-mail, mot de passe ou code incorrect.');
		state.record(new ApiError(422, 'validation_failed', 'invalid'));
		expect(state.alert).toBe('Le formulaire contient des erreurs : corrigez les champs signalés.');
	});
});

describe('FormState.send', () => {
	/** Submits form as the browser would, with send() as its handler; answers send's promise and the event. */
	function submitWith(state: FormState, form: HTMLFormElement, ...args: Parameters<FormState['send']> extends [unknown, ...infer Rest] ? Rest : never) {
		let sent: Promise<boolean> = Promise.resolve(false);
		const event = new Event('submit', { cancelable: true }) as SubmitEvent;
		form.addEventListener('submit', (submitted) => (sent = state.send(submitted as SubmitEvent, ...args)), { once: true });
		form.dispatchEvent(event);
		return { sent, event };
	}

	it('keeps the browser from sending the form and runs the action when the checks found nothing', async () => {
		const state = new FormState();
		state.failure = new ApiError(409, 'conflict', 'old');
		let ran = false;
		const { sent, event } = submitWith(state, makeForm(), {}, async () => {
			ran = true;
		});
		expect(event.defaultPrevented).toBe(true);
		expect(await sent).toBe(true);
		expect(ran).toBe(true);
		expect(state.failure).toBeNull();
	});

	it('stops at the reasons the checks found, focusing the first invalid field of the form', async () => {
		const state = new FormState();
		const form = makeForm();
		let ran = false;
		const { sent } = submitWith(state, form, { password: 'required' }, async () => {
			ran = true;
		});
		expect(await sent).toBe(false);
		expect(ran).toBe(false);
		expect(state.reasons).toEqual({ password: 'required' });
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(document.activeElement).toBe(form.querySelector('[name="password"]'));
	});

	it('records a refusal for the form the event came from, and does nothing while busy', async () => {
		const state = new FormState();
		const form = makeForm();
		let release: () => void = () => {};
		const first = submitWith(state, form, {}, () => new Promise<void>((resolve) => (release = resolve)));
		const second = submitWith(state, form, {}, async () => {
			throw new Error('not while busy');
		});
		expect(await second.sent).toBe(false);
		release();
		expect(await first.sent).toBe(true);
		const refused = submitWith(state, form, {}, async () => {
			throw new ApiError(422, 'validation_failed', 'invalid', { name: 'required' });
		});
		expect(await refused.sent).toBe(false);
		expect(state.reasons).toEqual({ name: 'required' });
		expect(document.activeElement).toBe(form.querySelector('[name="password"]'));
	});
});
