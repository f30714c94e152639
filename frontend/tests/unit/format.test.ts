import { describe, expect, it } from 'vitest';
import {
	dayEnd,
	dayStart,
	describeUserAgent,
	formatDateTime,
	pageCount,
	pageParam,
	toDay,
	toRFC3339
} from '../../src/lib/format';

describe('dates for the audit filters', () => {
	it('writes RFC 3339 in UTC without fractions', () => {
		expect(toRFC3339(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)))).toBe('2026-01-02T03:04:05Z');
	});

	it('spans a whole local day and reads it back', () => {
		const start = dayStart('2026-03-29');
		const end = dayEnd('2026-03-29');
		expect(start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
		expect(new Date(start).getHours()).toBe(0);
		expect(new Date(end).getHours()).toBe(23);
		expect(new Date(end).getMinutes()).toBe(59);
		expect(toDay(start)).toBe('2026-03-29');
		expect(toDay(end)).toBe('2026-03-29');
	});

	it('gives nothing for what is not a day', () => {
		expect(dayStart('')).toBe('');
		expect(dayEnd('29/03/2026')).toBe('');
		expect(toDay('')).toBe('');
		expect(toDay('yesterday')).toBe('');
	});

	it('formats a time in the reader language, and nothing for no time', () => {
		expect(formatDateTime('2026-01-02T03:04:05Z', 'fr')).toMatch(/2026/);
		expect(formatDateTime('2026-01-02T03:04:05Z', 'en')).toMatch(/Jan/);
		expect(formatDateTime(null, 'fr')).toBe('');
		expect(formatDateTime('not a date', 'fr')).toBe('not a date');
	});
});

describe('describeUserAgent', () => {
	it('names the browser and the system', () => {
		expect(
			describeUserAgent(
				'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0 Safari/537.36'
			)
		).toBe('Chrome · Linux');
		expect(
			describeUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0')
		).toBe('Edge · Windows');
		expect(describeUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:121.0) Gecko/20100101 Firefox/121.0')).toBe(
			'Firefox · macOS'
		);
	});

	it('keeps an unknown agent as it is', () => {
		expect(describeUserAgent('curl/8.5.0')).toBe('curl/8.5.0');
		expect(describeUserAgent('')).toBe('');
	});
});

describe('pages', () => {
	it('counts at least one page', () => {
		expect(pageCount(0, 50)).toBe(1);
		expect(pageCount(50, 50)).toBe(1);
		expect(pageCount(51, 50)).toBe(2);
	});

	it('reads a page number from the query, 1 when it is not one', () => {
		expect(pageParam('3')).toBe(3);
		expect(pageParam(null)).toBe(1);
		expect(pageParam('0')).toBe(1);
		expect(pageParam('-2')).toBe(1);
		expect(pageParam('2.5')).toBe(1);
		expect(pageParam('x')).toBe(1);
	});
});
