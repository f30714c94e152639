// How a page or a panel meets the server's refusals: one place that tells a refusal (shown to
// the person) from a bug (thrown again), and the state of what a panel loads and does.
import { ApiError } from './api';

/**
 * Runs call and answers its result; when the server refuses it or cannot be reached (an
 * ApiError), answers what onRefused makes of the refusal instead. Anything else is a bug and
 * is thrown again. By then the API client has already dealt with a 401 (the session is
 * forgotten and the login page shown), so onRefused only says what failed.
 */
export async function catchRefusal<T, R>(call: () => Promise<T>, onRefused: (error: ApiError) => R): Promise<T | R> {
	try {
		return await call();
	} catch (error) {
		if (!(error instanceof ApiError)) throw error;
		return onRefused(error);
	}
}

/**
 * What a part of a page says about the last thing it did: `failure`, why the server refused
 * (for its alert); `done`, what went through (for its status message); `busy`, what is under
 * way ('' when nothing; a key such as the id of the row whose button was pressed).
 */
export class Feedback {
	/** The server's refusal of the last request, if any. */
	failure = $state<ApiError | null>(null);
	/** What the last request that went through did, in words ('' for nothing to say). */
	done = $state('');
	/** The key of the request under way, '' when none. */
	busy = $state('');

	/** Keeps a refusal for the alert; answers false, for "did not go through". */
	protected refused = (error: ApiError): false => {
		this.failure = error;
		return false;
	};

	/**
	 * Runs a button's request (delete, retry, mark as done) after forgetting what the last one
	 * said, with `busy` set to key until it ends. When it goes through, `done` says what it
	 * answered; when the server refuses, `failure` keeps why. Answers whether it went through.
	 */
	async act(action: () => Promise<string | void>, key = 'action'): Promise<boolean> {
		this.failure = null;
		this.done = '';
		this.busy = key;
		try {
			return await catchRefusal(async () => {
				this.done = (await action()) ?? '';
				return true;
			}, this.refused);
		} finally {
			this.busy = '';
		}
	}
}

/**
 * Data a part of a page fetches and shows, with the Feedback of what it does to it: `value`,
 * the last answer (initial until the first); `loaded`, whether a first load has ended, well or
 * not. A failed load keeps the last answer and says why in `failure`; the next one that goes
 * through forgets it.
 */
export class Resource<T> extends Feedback {
	/** The last answer, or the initial value until one came. */
	value: T = $state() as T;
	/** Whether a load has ended, whatever its outcome (the loading message can go). */
	loaded = $state(false);

	readonly #fetch: () => Promise<T>;

	constructor(fetch: () => Promise<T>, initial: T) {
		super();
		this.#fetch = fetch;
		this.value = initial;
	}

	/** Fetches the data again; answers whether it came. */
	load = async (): Promise<boolean> => {
		const ok = await catchRefusal(async () => {
			this.value = await this.#fetch();
			this.failure = null;
			return true;
		}, this.refused);
		this.loaded = true;
		return ok;
	};

	/**
	 * Runs a request that changes the data, as act() does, then fetches the data again to show
	 * the change. Answers whether the request went through.
	 */
	change(action: () => Promise<string | void>, key?: string): Promise<boolean> {
		return this.act(async () => {
			const said = await action();
			await this.load();
			return said;
		}, key);
	}
}
