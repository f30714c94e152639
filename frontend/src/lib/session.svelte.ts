import type { Me, User } from './apiTypes';

// The bearer token lives in memory and in sessionStorage (so a reload keeps the tab
// signed in), and dies with the tab. Never localStorage, never a cookie.
const storageKey = 'cloison.token';

function storedToken(): string | null {
	try {
		return sessionStorage.getItem(storageKey);
	} catch {
		return null;
	}
}

/** The signed-in account, if any: its bearer token and, once known, the account itself. */
export const session = $state<{ token: string | null; user: Me | null }>({
	token: storedToken(),
	user: null
});

/** Starts a session after a successful login. */
export function signIn(token: string, user: User): void {
	session.token = token;
	session.user = user;
	try {
		sessionStorage.setItem(storageKey, token);
	} catch {
		// storage disabled: the session lasts until the page is reloaded
	}
}

/** Forgets the session on this side; the server is told separately (api.logout). */
export function signOut(): void {
	session.token = null;
	session.user = null;
	try {
		sessionStorage.removeItem(storageKey);
	} catch {
		// nothing was stored
	}
}
