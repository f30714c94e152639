import type { ApiError } from './api';
import { focusFirstInvalid, hasReasons, type FieldReasons } from './forms';
import { catchRefusal } from './resource.svelte';

/**
 * What a form shows about its submission, shared by every form that sends one request: `busy`
 * while the request runs, the server's refusal (`failure`) and the reasons per field, whether
 * they come from the client-side checks or from the server's 422.
 *
 * ```ts
 * const submission = new FormState();
 * async function submit(event: SubmitEvent) {
 *   event.preventDefault();
 *   if (submission.busy || !form) return;
 *   submission.failure = null;
 *   if (!submission.check(form, email.trim() ? {} : { email: 'required' })) return;
 *   await submission.submit(form, async () => {
 *     await api.forgotPassword(email.trim());
 *     sentTo = email.trim();
 *   });
 * }
 * ```
 */
export class FormState {
	/** Whether the request is under way (the submit button says so). */
	busy = $state(false);
	/** The server's refusal of the last submission, if any. */
	failure = $state<ApiError | null>(null);
	/** Reasons per field: the client-side checks' or the server's. */
	reasons = $state<FieldReasons>({});

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
		onRefused?: (error: ApiError) => boolean | void | Promise<boolean | void>
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
}
