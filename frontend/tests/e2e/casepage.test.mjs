// The case page end to end, against the real binary: personal data named while it is typed
// and listed on the case page as long as it stays; date and file pickers in the page's
// language; two columns with an in-page menu on a wide screen. Accounts and the case file's
// notes and deadlines are set up through the API; the browser types what is tested.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiClient, assertClean as assertCleanIn, heading, logInHome, openPage as open, submitLogin, useInstance } from './harness.mjs';

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
	await submitLogin(page, instance.server.baseURL, who);
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
	assert.equal(await page.getByRole('region', { name: 'Historique et notes' }).locator('mark.personal', { hasText: '+41 79 123 45 67' }).count(), 1);
	await caseList.locator('li[data-kind="phone"] mark', { hasText: '+41 79 123 45 67' }).waitFor();
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

// A case file as a case manager keeps one: a few notes, deadlines and files.
async function typicalCase() {
	const categories = await api.call('GET', '/api/categories', { token: editorToken });
	const created = await api.call('POST', '/api/cases', {
		token: editorToken,
		body: {
			title: 'Refus de communication du dossier médical',
			category_id: categories.items[0].id,
			summary:
				'Demande écrite de communication du dossier médical adressée le 3 janvier, restée sans réponse depuis trois mois malgré deux relances.\nLa personne souhaite obtenir les comptes rendus d’accouchement.',
			facts_date: '2026-01-15',
			place: 'Centre hospitalier de Villefranche'
		}
	});
	await api.call('POST', `/api/cases/${created.id}/transition`, { token: editorToken, ifMatch: created.version, body: { to: 'open', comment: '' } });
	for (const body of [
		'Appel au service des relations avec les usagers : promesse de réponse sous quinze jours.',
		'Relance écrite envoyée en recommandé avec accusé de réception.',
		'Réponse reçue : le dossier sera communiqué après validation du médecin responsable.'
	]) {
		await api.call('POST', `/api/cases/${created.id}/notes`, { token: editorToken, body: { body } });
	}
	for (const [title, due_date] of [
		['Relancer l’établissement', '2030-06-01'],
		['Saisir la CADA si pas de réponse', '2030-07-15'],
		['Point avec la personne', '2030-05-10']
	]) {
		await api.call('POST', `/api/cases/${created.id}/deadlines`, { token: editorToken, body: { title, due_date } });
	}
	const pdf = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
	for (const name of ['courrier-demande.pdf', 'relance.pdf']) {
		const form = new FormData();
		form.append('file', new Blob([pdf], { type: 'application/pdf' }), name);
		const answer = await fetch(`${instance.server.baseURL}/api/cases/${created.id}/attachments`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${editorToken}` },
			body: form
		});
		assert.equal(answer.status, 201, await answer.text());
	}
	return created;
}

/** Opens a case file and waits until its notes, deadlines and files are shown. */
async function openCase(page, created) {
	await open(page, `${instance.server.baseURL}/cases/${created.id}`);
	await page.getByRole('heading', { level: 1, name: created.title }).waitFor();
	await page.getByText('relance.pdf', { exact: true }).waitFor();
	await page.getByText('Point avec la personne', { exact: true }).waitFor();
	await page.getByText('Relance écrite envoyée en recommandé avec accusé de réception.').waitFor();
}

test('on a wide screen the case page has two columns and an in-page menu, and fits in two screens; narrow, one column', async () => {
	await ready();
	const { page } = instance.browser;
	const created = await typicalCase();
	await page.setViewportSize({ width: 1440, height: 900 });
	await openCase(page, created);

	const box = (selector) => page.locator(selector).evaluate((element) => element.getBoundingClientRect().toJSON());
	const [read, add] = [await box('.case-read'), await box('.case-add')];
	assert.ok(read.right <= add.left, `the columns sit side by side (${read.right} ≤ ${add.left})`);
	assert.equal(Math.round(read.top), Math.round(add.top));
	// What is read on the left, what is added to on the right.
	for (const name of ['Les faits', 'Faire avancer le dossier', 'Échéances']) await page.locator('.case-read').getByRole('heading', { level: 2, name }).waitFor();
	for (const name of ['Historique et notes', 'Pièces jointes']) await page.locator('.case-add').getByRole('heading', { level: 2, name }).waitFor();

	// The menu names every part, stays in sight, and takes the reader there.
	const menu = page.getByRole('navigation', { name: 'Parties du dossier' });
	const links = await menu.getByRole('link').allTextContents();
	assert.deepEqual(links, ['Les faits', 'Faire avancer le dossier', 'Échéances', 'Historique et notes', 'Pièces jointes', 'Personnes qui aident', 'Transférer à une autre unité']);
	assert.equal(await menu.evaluate((element) => getComputedStyle(element).position), 'sticky');
	await menu.getByRole('link', { name: 'Pièces jointes' }).click();
	await page.waitForFunction(() => window.scrollY > 0 && location.hash === '#attachments-title');
	assert.ok((await box('#attachments-title')).top >= (await box('.case-menu')).bottom - 1, 'the part is not hidden under the menu');

	// The case file itself (from the top of the page to the end of its columns) fits in two
	// screens; the site's footer (the privacy policy's link) follows it.
	const height = await page.evaluate(() => Math.ceil(window.scrollY + document.querySelector('.case-columns').getBoundingClientRect().bottom));
	assert.ok(height <= 2 * 900, `the case file ends ${height} px down the page at 1440×900: more than two screens`);

	// A narrow screen: one column, nothing wider than the screen.
	await page.setViewportSize({ width: 390, height: 844 });
	const [narrowRead, narrowAdd] = [await box('.case-read'), await box('.case-add')];
	assert.ok(narrowAdd.top >= narrowRead.bottom, 'one column on a narrow screen');
	assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390);
	await page.setViewportSize({ width: 1280, height: 720 });
	await assertClean();
});

test('date and file fields speak the page’s language, not the browser’s', async () => {
	await ready();
	const { page } = instance.browser;
	const created = await typicalCase();
	await openCase(page, created);
	await page.getByRole('button', { name: 'DE – Deutsch' }).click();
	await page.getByRole('heading', { level: 2, name: 'Die Tatsachen' }).waitFor();

	// The date field says its language and spells the chosen day out in it.
	const date = page.locator('#facts-date');
	assert.equal(await date.getAttribute('lang'), 'de-DE');
	await page.getByText('Donnerstag, 15. Januar 2026').waitFor();
	assert.match((await date.getAttribute('aria-describedby')) ?? '', /facts-date-day/);
	await date.fill('2026-03-02');
	await page.getByText('Montag, 2. März 2026').waitFor();

	// The file field: a button in the page's words and the name of the file chosen.
	const files = page.getByRole('region', { name: 'Anhänge' });
	await files.getByText('Datei auswählen', { exact: true }).waitFor();
	await files.getByText('Keine Datei ausgewählt').waitFor();
	await files.getByLabel('Anzuhängende Datei').setInputFiles({ name: 'antwort.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
	await files.getByText('antwort.pdf', { exact: true }).waitFor();

	await page.getByRole('button', { name: 'FR – Français' }).click();
	assert.equal(await date.getAttribute('lang'), 'fr-FR');
	await page.getByText('lundi 2 mars 2026').waitFor();
	await page.getByRole('region', { name: 'Pièces jointes' }).getByText('Choisir un fichier', { exact: true }).waitFor();
	await assertClean();
});

test('a link followed while the login finishes is where the person stays', async () => {
	await ready();
	const { context, page } = await instance.browser.newContext();
	contexts.push(context);
	pages.push(page);
	// The login has its session, so the menu, and waits for this answer before moving on.
	let asked, release;
	const reached = new Promise((resolve) => (asked = resolve));
	const held = new Promise((resolve) => (release = resolve));
	await page.route('**/api/me/second-factor', async (route) => {
		asked();
		await held;
		await route.continue();
	});
	await submitLogin(page, instance.server.baseURL, superadmin);
	await reached;
	await page.getByRole('link', { name: 'Demandes de rôle' }).click();
	await heading(page, 'Demandes de rôle').waitFor();
	const answered = page.waitForResponse('**/api/me/second-factor');
	release();
	await answered;
	// Time for the login to move on, were it to.
	await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
	assert.equal(new URL(page.url()).pathname, '/admin/role-requests');
	await heading(page, 'Demandes de rôle').waitFor();
	await assertClean();
});

test('granting a role says so in one success message, with no empty box around or beside it', async () => {
	await ready();
	const reader = { name: 'Katherine Johnson', email: 'katherine@example.org', password: 'orbital mechanics 1962', locale: 'fr' };
	const adminToken = await api.login(superadmin);
	await api.invite(adminToken, reader, 'reader');
	await api.call('POST', '/api/me/role-requests', { token: await api.login(reader), body: { role: 'editor', message: 'Je souhaite suivre des dossiers.' } });

	const { context, page } = await instance.browser.newContext();
	contexts.push(context);
	pages.push(page);
	// The home page first: a link followed before the login's own move to it would be undone by it.
	await logInHome(page, instance.server.baseURL, superadmin);
	await page.getByRole('link', { name: 'Demandes de rôle' }).click();
	await heading(page, 'Demandes de rôle').waitFor();
	const request = page.getByRole('article', { name: 'Katherine Johnson demande le rôle « Gestionnaire de dossiers »' });
	await request.getByLabel('Motif').fill('Accord du bureau du 12 mars');
	await request.getByRole('button', { name: 'Accorder le rôle « Gestionnaire de dossiers »' }).click();
	await page.getByText('Rôle « Gestionnaire de dossiers » accordé à Katherine Johnson.').waitFor();

	const callouts = await page.locator('.callout').evaluateAll((boxes) =>
		boxes.map((box) => ({ kind: box.className, text: box.textContent.trim(), nested: box.parentElement.closest('.callout') !== null }))
	);
	assert.deepEqual(
		callouts.map(({ kind, nested }) => ({ kind, nested })),
		[{ kind: 'callout success', nested: false }],
		'one success message, alone'
	);
	assert.ok(callouts.every(({ text }) => text !== ''), 'no empty box');
	await assertClean();
});
