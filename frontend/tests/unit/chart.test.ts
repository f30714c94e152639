import { describe, expect, it } from 'vitest';
import { barLayout, totalOf } from '../../src/lib/chart';

const keys = ['draft', 'open', 'pending', 'closed'] as const;

describe('barLayout', () => {
	it('scales every bar to the largest, which spans the whole width', () => {
		const { bars, max } = barLayout({ open: 10, pending: 5, closed: 1 }, keys, { width: 200, minLength: 0 });
		expect(max).toBe(10);
		expect(bars.map((bar) => [bar.key, bar.length])).toEqual([
			['open', 200],
			['pending', 100],
			['closed', 20]
		]);
	});

	it('keeps the order of the keys and leaves out what has no value', () => {
		const { bars } = barLayout({ closed: 2, draft: 0, open: 3 }, keys);
		expect(bars.map((bar) => bar.key)).toEqual(['open', 'closed']);
	});

	it('stacks the rows with their gap and gives the height they take', () => {
		const layout = barLayout({ draft: 1, open: 1, pending: 1 }, keys, { rowHeight: 20, gap: 6 });
		expect(layout.bars.map((bar) => bar.y)).toEqual([0, 26, 52]);
		expect(layout.height).toBe(72);
	});

	it('draws a small count beside a large one at least minLength long', () => {
		const { bars } = barLayout({ open: 1000, closed: 1 }, keys, { width: 200, minLength: 3 });
		expect(bars.find((bar) => bar.key === 'closed')?.length).toBe(3);
	});

	it('draws nothing for no counts, without dividing by zero', () => {
		expect(barLayout({}, keys)).toEqual({ bars: [], height: 0, max: 0 });
		expect(barLayout({ open: 0 }, keys).bars).toEqual([]);
	});
});

describe('totalOf', () => {
	it('adds the counts, an absent one as none', () => {
		expect(totalOf({ open: 2, closed: 3, draft: undefined })).toBe(5);
		expect(totalOf({})).toBe(0);
	});
});
