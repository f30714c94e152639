// What the Transfers page offers on each transfer. The server decides every right; this only
// keeps the page from offering what it would refuse, so it mirrors its rules.
import type { Transfer, TransferStatus } from './apiTypes';

/** A transfer's statuses, in the order of its life. */
export const transferStatuses: readonly TransferStatus[] = ['pending', 'accepted', 'refused', 'cancelled'];

/**
 * The buttons a transfer shows, from the caller's side of it: the destination's admins
 * accept or refuse it, the origin (or the requester) cancels it; only while it is pending.
 */
export function transferActions(transfer: Pick<Transfer, 'direction' | 'status'>): {
	accept: boolean;
	refuse: boolean;
	cancel: boolean;
} {
	const pending = transfer.status === 'pending';
	const incoming = transfer.direction === 'in';
	return { accept: pending && incoming, refuse: pending && incoming, cancel: pending && !incoming };
}
