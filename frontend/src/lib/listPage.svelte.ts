import { untrack } from 'svelte';
import type { ApiError } from './api';
import type { ListPage } from './apiTypes';
import { pageParam } from './format';
import { catchRefusal } from './resource.svelte';
import { navigate, queryParams, router, withQuery } from './router.svelte';

/** The filters of a list as read from the address, plus the page number. */
export type PagedFilters<F> = F & { page: number };

export interface UrlListOptions<F extends Record<string, string>, Form extends object, T> {
	/** The page's own path, e.g. `/admin/users`: the base of every link and of the filter form. */
	path: string;
	/** The filters from the query string ('' for an absent one), in the order the address keeps them. */
	read: (query: URLSearchParams) => F;
	/** The values the filter form edits, from the filters the page was loaded with; by default the filters themselves. */
	toForm?: (filters: F) => Form;
	/** The query string the filter form submits (trimmed, converted; no page number); by default the form's values. */
	fromForm?: (form: Form) => Record<string, string>;
	/** Fetches one page of the list for the filters. */
	fetch: (filters: PagedFilters<F>) => Promise<ListPage<T>>;
	/** Runs once an answer is shown (e.g. to look up names it mentions); not for a stale answer. */
	loaded?: (answer: ListPage<T>) => Promise<void> | void;
}

/**
 * A paginated list whose filters live in the query string, so a reload, the back button or a
 * link keeps them. Create it while a component initialises (it starts an effect): it loads the
 * page for the address's filters whenever they change, copies them into `form` (for the filter
 * form's bindings), and exposes the answer (`result`), the last failure (`failure`), the link
 * to another page (`href`, for `<Pagination>`) and the form's submission (`apply`).
 */
export class UrlList<F extends Record<string, string>, Form extends object = F, T = unknown> {
	/** The filters of the current address. */
	readonly filters: PagedFilters<F> = $derived.by(() => {
		void router.search;
		const query = queryParams();
		return { ...this.options.read(query), page: pageParam(query.get('page')) };
	});
	/** What the filter form shows and edits; reset from the address on every load. */
	form: Form = $state() as Form;
	/** The page shown, null until the first answer. */
	result = $state<ListPage<T> | null>(null);
	/** Why the last load failed, null after a successful one. */
	failure = $state<ApiError | null>(null);

	private readonly options: UrlListOptions<F, Form, T>;

	constructor(options: UrlListOptions<F, Form, T>) {
		this.options = options;
		this.form = this.toForm(this.filters);
		$effect(() => {
			const current = this.filters;
			untrack(() => this.load(current));
		});
	}

	/** The address of page `page` of the list with the current filters (page 1 without `page=`). */
	href = (page: number): string => withQuery(this.options.path, { ...this.filters, page: page > 1 ? page : '' });

	/** Loads the page for `current` (by default the address's, again); an answer overtaken by another address is dropped. */
	load = async (current: PagedFilters<F> = this.filters): Promise<void> => {
		this.form = this.toForm(current);
		await catchRefusal(
			async () => {
				const answer = await this.options.fetch(current);
				if (current !== this.filters) return;
				this.result = answer;
				this.failure = null;
				await this.options.loaded?.(answer);
			},
			(error) => {
				this.failure = error;
			}
		);
	};

	/** Submits the filter form: goes to its first page for the form's values. */
	apply = (event?: SubmitEvent): void => {
		event?.preventDefault();
		const { fromForm } = this.options;
		navigate(withQuery(this.options.path, fromForm ? fromForm(this.form) : { ...(this.form as Record<string, string>) }));
	};

	private toForm(filters: PagedFilters<F>): Form {
		const { page: _page, ...rest } = filters;
		const { toForm } = this.options;
		return toForm ? toForm(rest as unknown as F) : (rest as unknown as Form);
	}
}
