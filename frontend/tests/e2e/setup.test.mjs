import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heading as headingIn, openPage, takeFailedResponses, useInstance } from './harness.mjs';

const instance = useInstance();

// A full load each time: from /setup, going to /setup#token=… would only change the fragment.
const open = (url) => openPage(instance.browser.page, url);
const lang = () => instance.browser.page.getAttribute('html', 'lang');
const heading = (name) => headingIn(instance.browser.page, name);

// The tests run in order and share one instance: the setup token works once.

test('a setup link with a wrong token is refused, and the form then asks for the token', async () => {
	const { page, problems } = instance.browser;
	await open(`${instance.server.baseURL}/setup#token=not-the-right-token`);
	await heading('Installation').waitFor();
	assert.equal(page.url(), `${instance.server.baseURL}/setup`, 'the fragment leaves the address bar');
	assert.equal(await page.getByLabel('Jeton d’installation').count(), 0, 'the token came with the link');

	await page.getByLabel('Nom').fill('Ada Lovelace');
	await page.getByLabel('Adresse e-mail').fill('ada@example.org');
	await page.getByLabel('Mot de passe', { exact: true }).fill('correct horse battery');
	await page.getByLabel('Confirmation du mot de passe').fill('correct horse battery');
	await page.getByRole('button', { name: 'Créer le compte' }).click();

	await page.getByRole('alert').getByText('Ce lien d’installation n’est pas valide ou a déjà servi.').waitFor();
	await page.getByLabel('Jeton d’installation').waitFor();
	assert.ok(takeFailedResponses(problems, '/api/setup', 403) + takeFailedResponses(problems, '/api/setup', 404) > 0);

	// The right link pasted into this same tab, already on /setup: its token is taken, and
	// leaves the address bar.
	await page.evaluate((url) => {
		window.location.href = url;
	}, instance.server.setupURL);
	const right = new URL(instance.server.setupURL).hash.slice('#token='.length);
	await page.waitForFunction((want) => document.getElementById('token')?.value === want, right);
	assert.equal(page.url(), `${instance.server.baseURL}/setup`);
});

test('the first superadmin is created from the setup link', async () => {
	const { context, page, problems } = instance.browser;
	const response = await open(instance.server.setupURL);
	assert.match(response.headers()['content-security-policy'] ?? '', /default-src 'none'/, 'the strict CSP applies');
	await heading('Installation').waitFor();
	assert.equal(await lang(), 'fr');
	assert.equal(page.url(), `${instance.server.baseURL}/setup`, 'the token leaves the address bar');

	// English and back; the choice is the only thing kept in localStorage.
	await page.getByRole('button', { name: 'EN – English' }).click();
	await heading('Setup').waitFor();
	assert.equal(await lang(), 'en');
	await page.getByRole('button', { name: 'FR – Français' }).click();
	await heading('Installation').waitFor();
	assert.equal(await lang(), 'fr');

	// Client-side checks, bound to their fields, focus on the first one.
	const submit = page.getByRole('button', { name: 'Créer le compte' });
	const name = page.getByLabel('Nom');
	await submit.click();
	await page.getByRole('alert').getByText('Le formulaire contient des erreurs').waitFor();
	assert.equal(await name.getAttribute('aria-invalid'), 'true');
	assert.ok(await name.evaluate((input) => input === document.activeElement), 'focus moves to the first error');

	await name.fill('Ada Lovelace');
	await page.getByLabel('Adresse e-mail').fill('ada@example.org');
	const password = page.getByLabel('Mot de passe', { exact: true });
	await password.fill('short');
	await page.getByLabel('Confirmation du mot de passe').fill('different');
	await submit.click();
	await page.getByText('Au moins 10 caractères.', { exact: true }).last().waitFor();
	await page.getByText('Les deux mots de passe ne correspondent pas.').waitFor();

	await password.fill('correct horse battery');
	await page.getByLabel('Confirmation du mot de passe').fill('correct horse battery');
	await submit.click();
	await page.getByRole('status').getByText('ada@example.org').waitFor();
	await page.getByRole('link', { name: 'Aller à la page de connexion' }).waitFor();

	assert.deepEqual(await context.cookies(), [], 'no cookie, ever');
	const storage = await page.evaluate(() => ({ local: { ...localStorage }, session: { ...sessionStorage } }));
	assert.deepEqual(storage.local, { 'cloison.locale': 'fr' }, 'localStorage holds the language only');
	assert.ok(!JSON.stringify(storage).includes(instance.server.setupToken), 'the setup token is stored nowhere');
	assert.deepEqual(problems, { consoleErrors: [], pageErrors: [], outsideRequests: [] });
});

test('the same link then says setup is done', async () => {
	const { page, problems } = instance.browser;
	await open(instance.server.setupURL);
	await page.getByText('L’installation est déjà faite : un compte superadministrateur existe.').waitFor();
	await page.getByRole('link', { name: 'Aller à la page de connexion' }).click();
	await heading('Connexion').waitFor();
	assert.equal(page.url(), `${instance.server.baseURL}/login`);
	assert.deepEqual(await instance.browser.context.cookies(), []);
	assert.deepEqual(problems, { consoleErrors: [], pageErrors: [], outsideRequests: [] });
});
