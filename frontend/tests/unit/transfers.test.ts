import { describe, expect, it } from 'vitest';
import type { Transfer } from '../../src/lib/apiTypes';
import { transferActions, transferStatuses } from '../../src/lib/transfers';

describe('transferActions', () => {
	const none = { accept: false, refuse: false, cancel: false };
	it('lets the destination accept or refuse, and the origin cancel, while pending', () => {
		expect(transferActions({ direction: 'in', status: 'pending' })).toEqual({ accept: true, refuse: true, cancel: false });
		expect(transferActions({ direction: 'out', status: 'pending' })).toEqual({ accept: false, refuse: false, cancel: true });
	});

	it('offers nothing once decided, on either side', () => {
		for (const status of transferStatuses.filter((s) => s !== 'pending')) {
			for (const direction of ['in', 'out'] as Transfer['direction'][]) {
				expect(transferActions({ direction, status }), `${direction} ${status}`).toEqual(none);
			}
		}
	});
});
