// The one place that tells a server's refusal from a bug, and the state of what a panel loads and does.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/lib/api';
import { catchRefusal, Feedback, Resource } from '../../src/lib/resource.svelte';

const refusal = () => new ApiError(409, 'already_decided', 'decided');

describe('catchRefusal', () => {
	it('answers the result of a call that went through', async () => {
		expect(await catchRefusal(async () => 42, () => 0)).toBe(42);
	});

	it('answers what onRefused makes of a refusal', async () => {
		const error = refusal();
		let seen: ApiError | null = null;
		const answer = await catchRefusal(
			async () => {
				throw error;
			},
			(refused) => {
				seen = refused;
				return 'refused';
			}
		);
		expect(answer).toBe('refused');
		expect(seen).toBe(error);
	});

	it('throws a bug again, without calling onRefused', async () => {
		const bug = new TypeError('bug');
		let called = false;
		await expect(
			catchRefusal(
				async () => {
					throw bug;
				},
				() => (called = true)
			)
		).rejects.toBe(bug);
		expect(called).toBe(false);
	});
});

describe('Feedback.act', () => {
	it('is busy with its key while the request runs, then says what it did', async () => {
		const feedback = new Feedback();
		feedback.failure = refusal();
		let during = '';
		const ok = await feedback.act(async () => {
			during = feedback.busy;
			return 'Done.';
		}, 'row-7');
		expect(ok).toBe(true);
		expect(during).toBe('row-7');
		expect(feedback.busy).toBe('');
		expect(feedback.done).toBe('Done.');
		expect(feedback.failure).toBeNull();
	});

	it('keeps a refusal, forgets the last success, and is no longer busy', async () => {
		const feedback = new Feedback();
		feedback.done = 'Earlier success.';
		const error = refusal();
		const ok = await feedback.act(async () => {
			throw error;
		});
		expect(ok).toBe(false);
		expect(feedback.failure).toBe(error);
		expect(feedback.done).toBe('');
		expect(feedback.busy).toBe('');
	});

	it('throws a bug again and is no longer busy', async () => {
		const feedback = new Feedback();
		const bug = new TypeError('bug');
		await expect(
			feedback.act(async () => {
				throw bug;
			})
		).rejects.toBe(bug);
		expect(feedback.busy).toBe('');
		expect(feedback.failure).toBeNull();
	});
});

describe('Resource', () => {
	it('holds the initial value until the first answer, then the answer', async () => {
		const resource = new Resource(async () => ['a', 'b'], [] as string[]);
		expect(resource.value).toEqual([]);
		expect(resource.loaded).toBe(false);
		expect(await resource.load()).toBe(true);
		expect(resource.value).toEqual(['a', 'b']);
		expect(resource.loaded).toBe(true);
	});

	it('keeps the last answer when a load is refused, and forgets the refusal on the next success', async () => {
		const answers: (string[] | ApiError)[] = [['a'], refusal(), ['a', 'b']];
		const resource = new Resource(async () => {
			const next = answers.shift()!;
			if (next instanceof ApiError) throw next;
			return next;
		}, [] as string[]);
		await resource.load();
		expect(await resource.load()).toBe(false);
		expect(resource.value).toEqual(['a']);
		expect(resource.failure?.code).toBe('already_decided');
		await resource.load();
		expect(resource.value).toEqual(['a', 'b']);
		expect(resource.failure).toBeNull();
	});

	it('fetches again after a change that went through, not after a refused one', async () => {
		let fetches = 0;
		const resource = new Resource(async () => ++fetches, 0);
		await resource.load();
		expect(await resource.change(async () => 'Changed.')).toBe(true);
		expect(resource.value).toBe(2);
		expect(resource.done).toBe('Changed.');
		expect(
			await resource.change(async () => {
				throw refusal();
			})
		).toBe(false);
		expect(resource.value).toBe(2);
		expect(resource.failure?.code).toBe('already_decided');
	});
});
