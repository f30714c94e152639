// The list helper of the paginated pages: filters from the address, loads, stale answers, links, the filter form.
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../src/lib/api';
import type { ListPage } from '../../src/lib/apiTypes';
import type { UrlList, UrlListOptions } from '../../src/lib/listPage.svelte';
import { navigate, router } from '../../src/lib/router.svelte';
import ListPageProbe from './ListPageProbe.svelte';

type Filters = { q: string; status: string };
type Form = { q: string; flagged: boolean };

const page = (items: string[], pageNumber = 1): ListPage<string> => ({ items, total: items.length, page: pageNumber, per_page: 10 });

let target: HTMLElement;
let mounted: ReturnType<typeof mount> | null = null;

function start<F extends Record<string, string>, Shown extends object>(options: UrlListOptions<F, Shown, string>): UrlList<F, Shown, string> {
	let list: UrlList<F, Shown, string> | undefined;
	mounted = mount(ListPageProbe<F, Shown, string>, { target, props: { options, ready: (made) => (list = made) } });
	flushSync();
	return list!;
}

const settle = async () => {
	for (let i = 0; i < 5; i++) await Promise.resolve();
	flushSync();
};

const base = (fetch: UrlListOptions<Filters, Form, string>['fetch']): UrlListOptions<Filters, Form, string> => ({
	path: '/things',
	read: (query) => ({ q: query.get('q') ?? '', status: query.get('status') ?? '' }),
	toForm: ({ q, status }) => ({ q, flagged: status === 'flagged' }),
	fromForm: ({ q, flagged }) => ({ q: q.trim(), status: flagged ? 'flagged' : '' }),
	fetch
});

beforeEach(() => {
	target = document.createElement('div');
	document.body.append(target);
});

afterEach(() => {
	if (mounted) unmount(mounted);
	mounted = null;
	target.remove();
	navigate('/');
});

describe('UrlList', () => {
	it('loads the page of the address with its filters and copies them into the form', async () => {
		navigate('/things?q=ada&status=flagged&page=2');
		const fetch = vi.fn(async () => page(['a', 'b'], 2));
		const list = start(base(fetch));
		expect(list.filters).toEqual({ q: 'ada', status: 'flagged', page: 2 });
		expect(list.form).toEqual({ q: 'ada', flagged: true });
		expect(fetch).toHaveBeenCalledWith({ q: 'ada', status: 'flagged', page: 2 });
		await settle();
		expect(list.result?.items).toEqual(['a', 'b']);
		expect(list.failure).toBeNull();
		expect(list.href(3)).toBe('/things?q=ada&status=flagged&page=3');
		expect(list.href(1)).toBe('/things?q=ada&status=flagged');
	});

	it('submits the form as the first page of the new filters, and loads it', async () => {
		navigate('/things?q=ada&page=4');
		const fetch = vi.fn(async () => page(['a']));
		const list = start(base(fetch));
		await settle();
		list.form.q = '  grace ';
		list.form.flagged = true;
		const event = new Event('submit', { cancelable: true }) as SubmitEvent;
		list.apply(event);
		expect(event.defaultPrevented).toBe(true);
		expect(router.path + router.search).toBe('/things?q=grace&status=flagged');
		flushSync();
		expect(fetch).toHaveBeenLastCalledWith({ q: 'grace', status: 'flagged', page: 1 });
	});

	it('uses the filters as the form when no conversion is given', async () => {
		navigate('/things?status=open');
		const list = start<Filters, Filters>({
			path: '/things',
			read: (query) => ({ q: query.get('q') ?? '', status: query.get('status') ?? '' }),
			fetch: async () => page([])
		});
		expect(list.form).toEqual({ q: '', status: 'open' });
		list.form.q = 'x';
		list.apply();
		expect(router.search).toBe('?q=x&status=open');
	});

	it('drops an answer overtaken by another address, and runs `loaded` for the one shown', async () => {
		navigate('/things?q=old');
		let answerOld: (value: ListPage<string>) => void = () => {};
		const loaded = vi.fn();
		const fetch = vi.fn((current: Filters & { page: number }) =>
			current.q === 'old' ? new Promise<ListPage<string>>((resolve) => (answerOld = resolve)) : Promise.resolve(page(['new']))
		);
		const list = start({ ...base(fetch), loaded });
		navigate('/things?q=new');
		flushSync();
		await settle();
		expect(list.result?.items).toEqual(['new']);
		answerOld(page(['old']));
		await settle();
		expect(list.result?.items).toEqual(['new']);
		expect(loaded).toHaveBeenCalledTimes(1);
		expect(loaded).toHaveBeenCalledWith(page(['new']));
	});

	it('keeps the failure of an API call, clears it on the next success, and reloads on demand', async () => {
		navigate('/things');
		const fetch = vi.fn().mockRejectedValueOnce(new ApiError(400, 'validation_failed', 'bad', { q: 'invalid' }));
		fetch.mockResolvedValue(page(['a']));
		const list = start(base(fetch));
		await settle();
		expect(list.result).toBeNull();
		expect(list.failure?.code).toBe('validation_failed');
		await list.load();
		expect(list.failure).toBeNull();
		expect(list.result?.items).toEqual(['a']);
		expect(fetch).toHaveBeenCalledTimes(2);
	});
});
