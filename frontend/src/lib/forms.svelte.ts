import type { ApiError } from './api';
import { describeError, fieldError } from './errors';
import { focusFirstInvalid, hasReasons, type FieldReasons } from './forms';
import { t } from './i18n/locale.svelte';
import { catchRefusal } from './resource.svelte';

/** Sees a refusal before the form records it; answers true when it dealt with it (see FormState.submit). */
export type RefusalHandler = (error: ApiError) => boolean | void | Promise<boolean | void>;

/**
 * What a form shows about its submission, shared by every form that sends one request: `busy`
 * while the request runs, the server's refusal (`failure`) and the reasons per field, whether
 * they come from the client-side checks or from the server's 422; `alert` and `error(field)`
 * put them in words.
 *
 * ```svelte
 * const submission = new FormState();
 * const submit = (event: SubmitEvent) =>
 *   submission.send(event, reasonsFound({ email: checkEmail(email) }), async () => {
 *     await api.forgotPassword(email.trim());
 *     sentTo = email.trim();
 *   });
 *
 * <form onsubmit={submit} novalidate>
 *   <Callout kind="danger" message={submission.alert} />
 *   <Field id="email" … error={submission.error('email')} />
 * ```
 */
export class FormState {
	/** Whether the request is under way (the submit button says so). */
	busy = $state(false);
	/** The server's refusal of the last submission, if any. */
	failure = $state<ApiError | null>(null);
	/** Reasons per field: the client-side checks' or the server's. */
	reasons = $state<FieldReasons>({});

	/**
	 * What the form's alert says: the refusal in words, or, when fields were refused (by the
	 * checks or the server), that they need correcting; '' when all is well.
	 */
	get alert(): string {
		if (this.failure && (this.failure.code !== 'validation_failed' || !hasReasons(this.reasons))) {
			return describeError(this.failure);
		}
		return hasReasons(this.reasons) ? t('error.validation_failed') : '';
	}

	/** Why field was refused, in words; undefined when it was not. */
	error(field: string): string | undefined {
		return fieldError(this.reasons, field);
	}

	/** Forgets the last refusal and its reasons. */
	reset(): void {
		this.failure = null;
		this.reasons = {};
	}

	/**
	 * Takes the reasons found by the client-side checks; when there is any, moves focus to the
	 * first invalid field of form (once shown) and answers false: the form must not be sent.
	 */
	check(form: HTMLFormElement, found: FieldReasons): boolean {
		this.reasons = found;
		if (!hasReasons(found)) return true;
		void focusFirstInvalid(form);
		return false;
	}

	/** Records a refusal: its error and its reasons per field. */
	record(error: ApiError): void {
		this.failure = error;
		this.reasons = error.fields;
	}

	/**
	 * Runs action with `busy` set, cleared again however it ends. When the server refuses
	 * (an ApiError), onRefused, if given, sees the error first and answers true when it dealt
	 * with it; otherwise the refusal is recorded and focus moves to the first invalid field of
	 * form. Other errors are thrown again. Answers whether action went through.
	 */
	async submit(
		form: HTMLFormElement | undefined,
		action: () => Promise<void>,
		onRefused?: RefusalHandler
	): Promise<boolean> {
		this.busy = true;
		try {
			return await catchRefusal(
				async () => {
					await action();
					return true;
				},
				async (error) => {
					if (onRefused && (await onRefused(error))) return false;
					this.record(error);
					if (form) await focusFirstInvalid(form);
					return false;
				}
			);
		} finally {
			this.busy = false;
		}
	}

	/**
	 * A form's whole submit handler: keeps the browser from sending the form, does nothing while
	 * a submission runs, forgets the last refusal, takes the reasons the client-side checks
	 * found (stopping there when there is any), then runs action as submit() does. Answers
	 * whether action went through.
	 */
	async send(
		event: SubmitEvent,
		found: FieldReasons,
		action: () => Promise<void>,
		onRefused?: RefusalHandler
	): Promise<boolean> {
		event.preventDefault();
		// Read now: the event forgets its form once the handler awaits.
		const form = event.currentTarget as HTMLFormElement;
		if (this.busy) return false;
		this.failure = null;
		if (!this.check(form, found)) return false;
		return this.submit(form, action, onRefused);
	}
}
