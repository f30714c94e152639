// The case page end to end, against the real binary: personal data named while it is typed
// and listed on the case page as long as it stays; date and file pickers in the page's
// language; two columns with an in-page menu on a wide screen. Accounts and the case file's
// notes and deadlines are set up through the API; the browser types what is tested.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiClient, assertClean as assertCleanIn, openPage as open, useInstance } from './harness.mjs';

const instance = useInstance();
const contexts = [];
const pages = [];

const superadmin = { name: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery', locale: 'fr' };
const editor = { name: 'Grace Hopper', email: 'grace@example.org', password: 'compiler debugging 1952', locale: 'fr' };

let api;
let editorToken;

async function ready() {
	if (api) return;
	const { server, browser } = instance;
	api = apiClient(server);
	const token = await api.setUp(superadmin);
	await api.invite(token, editor, 'editor');
	editorToken = await api.login(editor);
	contexts.push(browser.context);
	pages.push(browser.page);
}

async function logIn(page, who) {
	await open(page, `${instance.server.baseURL}/login`);
	await page.getByLabel('Adresse e-mail').fill(who.email);
	await page.getByLabel('Mot de passe').fill(who.password);
	await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
	await page.getByRole('heading', { name: 'Mes dossiers' }).waitFor();
}

const assertClean = () => assertCleanIn({ contexts, pages, problems: instance.browser.problems });

test('personal data is named while typed, stays listed on the case page while it remains, and goes with it', async () => {
	await ready();
	const { page } = instance.browser;
	await logIn(page, editor);
	await open(page, `${instance.server.baseURL}/cases/new`);
	await page.getByRole('heading', { level: 1, name: 'Nouveau dossier' }).waitFor();
	const formList = page.locator('#personal-data');
	assert.equal(await formList.count(), 0, 'nothing flagged before anything is typed');

	await page.getByLabel('Titre').fill('Refus de prise en charge');
	await page.getByLabel('Catégorie').selectOption({ index: 1 });
	await page.getByLabel('Résumé').fill('Écrire à marie.dupont@example.fr ; remboursement sur FR76 3000 6000 0112 3456 7890 189.');
	// The field's own warning names both kinds, and so does the form's list, with the field.
	await page.getByText('Ce texte semble contenir une adresse e-mail et un IBAN : retirez toute donnée nominative.').waitFor();
	await formList.getByRole('heading', { name: 'Données nominatives dans ce que vous avez saisi' }).waitFor();
	assert.deepEqual(await formList.locator('li').evaluateAll((items) => items.map((li) => li.dataset.kind)), ['email', 'iban']);
	await formList.getByText('Adresse e-mail').waitFor();
	await formList.locator('li', { hasText: 'IBAN' }).getByText('Résumé').waitFor();
	// A check digit off is no IBAN: no false alarm.
	await page.getByLabel('Lieu').fill('Guichet FR76 3000 6000 0112 3456 7890 188');
	assert.equal(await formList.locator('li').count(), 2);
	await page.getByLabel('Lieu').fill('');

	// Show selects the passage in its field.
	await formList.getByRole('button', { name: 'Montrer : IBAN, Résumé' }).click();
	const selected = await page.evaluate(() => {
		const field = document.activeElement;
		return field instanceof HTMLTextAreaElement ? field.value.slice(field.selectionStart, field.selectionEnd) : null;
	});
	assert.equal(selected, 'FR76 3000 6000 0112 3456 7890 189');

	await page.getByRole('button', { name: 'Créer le dossier' }).click();
	await page.getByRole('heading', { level: 1, name: 'Refus de prise en charge' }).waitFor();
	const caseList = page.locator('#personal-data');
	await caseList.getByRole('heading', { name: 'Données nominatives dans ce dossier' }).waitFor();
	assert.deepEqual(await caseList.locator('li').evaluateAll((items) => items.map((li) => li.dataset.kind)), ['email', 'iban']);

	// A note with a phone number joins the list, marked where it sits in the timeline.
	await page.getByLabel('Nouvelle note').fill('Rappeler au +41 79 123 45 67 demain.');
	await page.getByText('Ce texte semble contenir un numéro de téléphone : retirez toute donnée nominative.').waitFor();
	await page.getByRole('button', { name: 'Ajouter la note' }).click();
	await page.getByText('Note ajoutée.').waitFor();
	await caseList.locator('li[data-kind="phone"]').waitFor();
	assert.equal(await page.locator('mark.personal', { hasText: '+41 79 123 45 67' }).count(), 1);
	await page.getByText('Une note ne se modifie pas').waitFor();

	// It stays after a reload: it is read from the case file, not from the form that sent it.
	await page.reload();
	await caseList.locator('li[data-kind="iban"]').waitFor();
	await caseList.locator('li[data-kind="phone"]').waitFor();
	assert.equal(await caseList.locator('li').count(), 3);

	// Removing the text from the summary and saving takes those two off the list.
	await page.getByRole('textbox', { name: 'Résumé' }).fill('Demande de remboursement restée sans réponse.');
	await page.getByRole('button', { name: 'Enregistrer les faits' }).click();
	await page.getByText('Les faits sont enregistrés.').waitFor();
	await caseList.locator('li[data-kind="iban"]').waitFor({ state: 'detached' });
	assert.deepEqual(await caseList.locator('li').evaluateAll((items) => items.map((li) => li.dataset.kind)), ['phone']);
	await assertClean();
});
