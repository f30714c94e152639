import { api } from './api';
import type { Presence } from './apiTypes';

/** How often a case-file page says it is open: the server forgets a page after 30 s. */
export const presenceInterval = 10_000;

/**
 * Tells the server every interval that this page has case file id open, and hands each
 * answer (who else has it open, its current version) to onBeat. Returns the stop, which
 * the page calls when it goes away; a failed beat is skipped, the next one tries again.
 */
export function startPresence(
	id: string,
	onBeat: (presence: Presence) => void,
	{ interval = presenceInterval, beat = api.presence }: { interval?: number; beat?: (id: string) => Promise<Presence> } = {}
): () => void {
	let stopped = false;
	const once = async () => {
		try {
			const presence = await beat(id);
			if (!stopped) onBeat(presence);
		} catch {
			// a missed beat only delays the hint; the page's own calls report real failures
		}
	};
	void once();
	const timer = setInterval(() => void once(), interval);
	return () => {
		stopped = true;
		clearInterval(timer);
	};
}
