// Practice case files end to end, against the real binary: an editor of the instance's unit
// invites a helper on a case file (through the API); the helper, who manages no case file,
// creates a practice case file from their home, sees it marked on its page and in their list
// (and alone under the practice filter); the unit's admin finds it nowhere.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apiClient, assertClean as assertCleanIn, launchBrowser, logInHome, openPage as open, startServer } from './harness.mjs';

let server;
let browser;
const contexts = [];
const pages = [];

const superadmin = { name: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery', locale: 'fr' };
const editor = { name: 'Grace Hopper', email: 'grace@example.org', password: 'compiler debugging 1952', locale: 'fr' };
const helper = { name: 'Katherine Johnson', email: 'katherine@example.org', password: 'orbital mechanics 1962', locale: 'fr' };
const unitAdmin = { name: 'Hedy Lamarr', email: 'hedy@example.org', password: 'frequency hopping 1941', locale: 'fr' };
const reason = 'Accord du bureau pour les tests';
const practiceTitle = 'Exercice : refus de remboursement';

let call;
let login;
let categoryLabel;

before(async () => {
	server = await startServer();
	const api = apiClient(server);
	({ call, login } = api);
	const token = await api.setUp(superadmin);
	for (const who of [editor, helper, unitAdmin]) await api.invite(token, who, 'reader');
	const unit = (await call('GET', '/api/units', { token })).items[0];
	await call('POST', `/api/units/${unit.id}/members`, { token, body: { email: editor.email, role: 'editor', reason } });
	await call('POST', `/api/units/${unit.id}/members`, { token, body: { email: unitAdmin.email, role: 'admin', reason } });
	const editorToken = await login(editor);
	const category = (await call('GET', '/api/categories', { token: editorToken })).items[0];
	categoryLabel = category.labels.fr;
	const created = await call('POST', '/api/cases', {
		token: editorToken,
		body: { title: 'Refus de prise en charge', category_id: category.id, summary: 'La personne conteste un refus.' }
	});
	await call('POST', `/api/cases/${created.id}/collaborators`, { token: editorToken, body: { email: helper.email, kind: 'trainee' } });

	browser = await launchBrowser(server.baseURL);
	contexts.push(browser.context);
	pages.push(browser.page);
});

after(async () => {
	await browser?.close();
	const exit = await server?.stop();
	assert.deepEqual(exit, { code: 0, signal: null }, 'cloison stops cleanly on SIGTERM');
});

const logIn = (page, who) => logInHome(page, server.baseURL, who);

test('a helper creates a practice case file, sees it marked, and the unit’s admin does not see it', async () => {
	const { page } = browser;
	await logIn(page, helper);
	// From their home, a helper is offered practice case files only.
	await page.getByRole('link', { name: 'Nouveau dossier d’entraînement' }).click();
	await page.getByRole('heading', { level: 1, name: 'Nouveau dossier d’entraînement' }).waitFor();
	await page.getByText('Vous aidez sur des dossiers sans en gérer').waitFor();
	assert.equal(await page.getByLabel('Dossier d’entraînement').count(), 0, 'no choice to make: practice only');
	await page.getByLabel('Titre').fill(practiceTitle);
	await page.getByLabel('Catégorie').selectOption({ label: categoryLabel });
	await page.getByLabel('Résumé').fill('Un cas inventé pour s’exercer.');
	await page.getByRole('button', { name: 'Créer le dossier' }).click();

	// Its page says what it is.
	await page.getByRole('heading', { level: 1, name: practiceTitle }).waitFor();
	await page.locator('.tag.practice', { hasText: 'Entraînement' }).first().waitFor();
	const id = new URL(page.url()).pathname.split('/').pop();

	// The list marks it; the practice filter keeps it alone.
	await open(page, `${server.baseURL}/cases`);
	const row = page.getByRole('row').filter({ hasText: practiceTitle });
	await row.getByText('Entraînement').waitFor();
	await page.getByRole('row').filter({ hasText: 'Refus de prise en charge' }).waitFor();
	await page.getByLabel('Entraînement', { exact: true }).selectOption({ label: 'Dossiers d’entraînement seulement' });
	await page.getByRole('button', { name: 'Rechercher' }).click();
	await page.waitForURL(/practice=true/);
	await row.waitFor();
	await page.getByText('1 dossier').first().waitFor();
	assert.equal(await page.getByRole('row').filter({ hasText: 'Refus de prise en charge' }).count(), 0);

	// The unit's admin sees the helped-on case file, not the practice one, in the list
	// and by its address.
	const other = await browser.newContext();
	contexts.push(other.context);
	pages.push(other.page);
	await logIn(other.page, unitAdmin);
	await open(other.page, `${server.baseURL}/cases`);
	await other.page.getByRole('row').filter({ hasText: 'Refus de prise en charge' }).waitFor();
	assert.equal(await other.page.getByRole('row').filter({ hasText: practiceTitle }).count(), 0);
	const adminToken = await login(unitAdmin);
	const list = await call('GET', '/api/cases', { token: adminToken });
	assert.equal(list.total, 1);
	await assert.rejects(call('GET', `/api/cases/${id}`, { token: adminToken }), /404/);

	await assertCleanIn({ contexts, pages, problems: browser.problems });
});
