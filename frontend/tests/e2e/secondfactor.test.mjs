// The second factor end to end, against the real binary: a superadmin enrols an authenticator
// from the account page (the QR code the binary draws, the key to type, a first code, the ten
// recovery codes shown once), then logs in with the code the login asks for after a first
// refusal, and with a recovery code. The authenticator app is played by RFC 6238 below.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { assertClean, createSuperadmin, heading, openPage as open, submitLogin, takeFailedResponses, useInstance } from './harness.mjs';

const instance = useInstance();

const superadmin = { name: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery' };

/** The bytes of an RFC 4648 base32 string (no padding), as authenticator apps read keys. */
function base32(text) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = '';
	for (const char of text.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
	const bytes = [];
	for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
	return Buffer.from(bytes);
}

/** The 6-digit TOTP code (RFC 6238: SHA-1, 30-second steps) of secret, steps ahead of now. */
function totp(secret, steps = 0) {
	const counter = Buffer.alloc(8);
	counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + steps));
	const mac = createHmac('sha1', base32(secret)).update(counter).digest();
	const offset = mac[mac.length - 1] & 0x0f;
	return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}


async function logIn(page, password, code) {
	await submitLogin(page, instance.server.baseURL, { email: superadmin.email, password }, { title: 'Connexion' });
	if (code === undefined) return;
	// Every failure answers alike: the page asks for the code after the first refusal.
	const field = page.getByLabel('Code du second facteur');
	await field.waitFor();
	await page.getByText('Adresse e-mail, mot de passe ou code incorrect.').waitFor();
	// The refused password does not stay in its field.
	assert.equal(await page.getByLabel('Mot de passe').inputValue(), '');
	await page.getByLabel('Mot de passe').fill(password);
	await field.fill(code);
	await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
}

test('a superadmin enrols a second factor, then logs in with its code and with a recovery code', async () => {
	const { page, context } = instance.browser;
	await createSuperadmin(page, instance.server.setupURL, superadmin);

	// Enrolment, from the account page.
	await logIn(page, superadmin.password);
	await page.waitForURL(`${instance.server.baseURL}/`);
	await open(page, `${instance.server.baseURL}/me`);
	await heading(page, 'Second facteur', 2).waitFor();
	await page.getByText('Vous n’utilisez pas de second facteur.').waitFor();
	await page.getByRole('button', { name: 'Configurer un second facteur' }).click();
	const qr = page.getByRole('img', { name: 'Code QR à scanner avec votre application d’authentification' });
	await qr.waitFor();
	const drawn = await qr.evaluate((img) => ({ src: img.src.slice(0, 22), width: img.naturalWidth }));
	assert.deepEqual(drawn, { src: 'data:image/png;base64,', width: 256 }, 'the QR code is the PNG the binary drew');
	const secret = (await page.locator('code.secret').textContent()).trim();
	assert.match(secret, /^[A-Z2-7]{32,}$/, 'the key to type by hand is base32');

	// A wrong first code is refused by its field; the right one turns it on.
	await page.getByLabel('Code affiché par l’application').fill('000000');
	await page.getByRole('button', { name: 'Activer le second facteur' }).click();
	await page.getByText('Ce n’est pas le bon code', { exact: false }).waitFor();
	assert.equal(takeFailedResponses(instance.browser.problems, '/api/me/second-factor/confirm', 422), 1);
	await page.getByLabel('Code affiché par l’application').fill(totp(secret));
	await page.getByRole('button', { name: 'Activer le second facteur' }).click();
	await heading(page, 'Vos codes de secours', 3).waitFor();
	const codes = await page.getByRole('list', { name: 'Vos codes de secours' }).locator('code').allTextContents();
	assert.equal(codes.length, 10, 'ten recovery codes');
	for (const code of codes) assert.match(code, /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
	await page.getByText('Il vous reste 10 codes de secours.').waitFor();

	// Logging in now takes the code, asked for after the first refusal.
	await page.getByRole('button', { name: 'Se déconnecter' }).click();
	await page.getByRole('link', { name: 'Se connecter' }).first().waitFor();
	// Calls the page made just before (the header's count of pending requests, the account) may
	// still be on their way with the ended token: their 401s are expected, the ones after are not.
	for (let quiet = 0; quiet < 2; ) {
		await page.waitForTimeout(200);
		const problems = instance.browser.problems;
		const before = problems.consoleErrors.length;
		problems.consoleErrors = problems.consoleErrors.filter((error) => !error.text.includes('status of 401'));
		quiet = problems.consoleErrors.length === before ? quiet + 1 : 0;
	}
	await logIn(page, superadmin.password, totp(secret, 1));
	await page.waitForURL(`${instance.server.baseURL}/`);
	assert.equal(takeFailedResponses(instance.browser.problems, '/api/auth/login', 401), 1, 'one refusal, then the code');

	// A recovery code, in a browser of its own, works once.
	const other = await instance.browser.newContext();
	await logIn(other.page, superadmin.password, codes[0].toUpperCase());
	await other.page.waitForURL(`${instance.server.baseURL}/`);
	await open(other.page, `${instance.server.baseURL}/me`);
	await other.page.getByText('Il vous reste 9 codes de secours.').waitFor();
	assert.equal(takeFailedResponses(instance.browser.problems, '/api/auth/login', 401), 1);

	await assertClean({ contexts: [context, other.context], pages: [page, other.page], problems: instance.browser.problems });
});
