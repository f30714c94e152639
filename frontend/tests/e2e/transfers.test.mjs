// Transfers between units and referent inspectors end to end, against the real binary: the
// network (an organisation, two units taking part in transfers, an editor of the first, an
// admin of the second, an inspector) is set up through the API as the superadmin; the browser
// proposes a transfer from the case page and accepts it on the Transfers page, names a
// category's inspector, opens the category of a unit to them, and the inspector reads.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apiClient, assertClean as assertCleanIn, launchBrowser, logInHome, openPage as open, startServer, takeFailedResponses } from './harness.mjs';

let server;
let browser;
const contexts = [];
const pages = [];

const superadmin = { name: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery', locale: 'fr' };
const editor = { name: 'Grace Hopper', email: 'grace@example.org', password: 'compiler debugging 1952', locale: 'fr' };
const adminB = { name: 'Hedy Lamarr', email: 'hedy@example.org', password: 'frequency hopping 1941', locale: 'fr' };
const inspector = { name: 'Mary Somerville', email: 'mary@example.org', password: 'connexion of the sciences', locale: 'fr' };
const reason = 'Accord du bureau pour les tests';

// Set up through the API once the server runs (see before()).
let call;
let login;
let invite;

let caseId;
let reference;
let inspected;
let categoryLabel;

before(async () => {
	server = await startServer();
	const api = apiClient(server);
	({ call, login, invite } = api);
	const token = await api.setUp(superadmin);
	// Readers on the platform: what they do comes from their memberships of the units.
	await invite(token, editor, 'reader');
	await invite(token, adminB, 'reader');
	await invite(token, inspector, 'reader');
	const org = await call('POST', '/api/orgs', {
		token,
		body: { name: 'Réseau Rhône', code: 'ORG-RHONE', admin_email: superadmin.email, reason }
	});
	const unitA = await call('POST', `/api/orgs/${org.id}/units`, {
		token,
		body: { name: 'Unité Nord', code: 'U-NORD', contact_email: 'nord@example.org', reason }
	});
	const unitB = await call('POST', `/api/orgs/${org.id}/units`, {
		token,
		body: { name: 'Unité Sud', code: 'U-SUD', contact_email: 'sud@example.org', reason }
	});
	await call('POST', `/api/units/${unitA.id}/members`, { token, body: { email: editor.email, role: 'editor', reason } });
	await call('POST', `/api/units/${unitB.id}/members`, { token, body: { email: adminB.email, role: 'admin', reason } });
	for (const unit of [unitA, unitB]) await call('PATCH', `/api/units/${unit.id}`, { token, body: { accepts_transfers: true, reason } });

	const editorToken = await login(editor);
	const category = (await call('GET', '/api/categories', { token: editorToken })).items[0];
	categoryLabel = category.labels.fr;
	const openCase = async (title) => {
		const created = await call('POST', '/api/cases', {
			token: editorToken,
			body: { title, category_id: category.id, summary: 'La personne déménage.', unit_id: unitA.id }
		});
		await call('POST', `/api/cases/${created.id}/transition`, { token: editorToken, ifMatch: created.version, body: { to: 'open', comment: '' } });
		return created;
	};
	const created = await openCase('Refus de prise en charge');
	caseId = created.id;
	reference = created.reference;
	inspected = await openCase('Retard de remboursement');

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

test('an editor proposes a transfer with the consent, the destination accepts it, and the editor no longer sees it', async () => {
	const { page } = browser;
	await logIn(page, editor);
	await open(page, `${server.baseURL}/cases/${caseId}`);
	await page.getByRole('heading', { level: 1, name: 'Refus de prise en charge' }).waitFor();
	const panel = page.getByRole('region', { name: 'Transférer à une autre unité' });
	await panel.getByText('Remplir une proposition de transfert').click();

	// Sent empty: every required field is named, nothing reaches the server.
	await panel.getByRole('button', { name: 'Proposer le transfert' }).click();
	await panel.getByText('Le formulaire contient des erreurs : corrigez les champs signalés.').waitFor();
	assert.equal(await panel.getByLabel('Code de l’unité destinataire').getAttribute('aria-invalid'), 'true');
	assert.equal(await panel.getByLabel('Recueilli par').getAttribute('aria-invalid'), 'true');

	// A code no unit taking transfers has: the server's refusal lands on that field.
	await panel.getByLabel('Code de l’unité destinataire').fill('U-NOWHERE');
	await panel.getByLabel('Donné par').selectOption({ label: 'Son représentant légal' });
	await panel.getByLabel('Date du consentement').fill('2026-11-02');
	await panel.getByLabel('Recueilli par').fill('Claire Martin');
	await panel.getByLabel('Commentaire').fill('La personne déménage dans le sud.');
	await panel.getByRole('button', { name: 'Proposer le transfert' }).click();
	await panel.getByText('Aucune unité avec ce code n’accepte de transferts.').waitFor();
	assert.equal(await panel.getByLabel('Code de l’unité destinataire').getAttribute('aria-invalid'), 'true');
	assert.equal(takeFailedResponses(browser.problems, `/api/cases/${caseId}/transfers`, 422), 1);

	await panel.getByLabel('Code de l’unité destinataire').fill('u-sud');
	await panel.getByRole('button', { name: 'Proposer le transfert' }).click();
	await panel.getByText('Transfert proposé à Unité Sud (U-SUD)').waitFor();

	// The editor follows it among what was sent, and may cancel it; not accept it.
	await page.getByRole('link', { name: 'Transferts', exact: true }).click();
	await page.getByRole('heading', { level: 1, name: 'Transferts entre unités' }).waitFor();
	const sent = page.getByRole('row').filter({ hasText: reference });
	await sent.getByText('En attente').waitFor();
	assert.equal(await sent.getByRole('button', { name: `Annuler la demande de transfert de ${reference}` }).count(), 1);
	assert.equal(await sent.getByRole('button', { name: `Accepter le transfert de ${reference}` }).count(), 0);

	// The destination's admin sees it coming in, with the consent, and accepts it.
	const destination = await browser.newContext();
	contexts.push(destination.context);
	pages.push(destination.page);
	const other = destination.page;
	await logIn(other, adminB);
	await other.getByRole('link', { name: 'Transferts', exact: true }).click();
	await other.getByRole('heading', { level: 1, name: 'Transferts entre unités' }).waitFor();
	const incoming = other.getByRole('row').filter({ hasText: reference });
	await incoming.getByText('Son représentant légal, le').waitFor();
	await incoming.getByText('Unité Nord').waitFor();
	assert.equal(await incoming.getByRole('link', { name: reference }).count(), 0, 'no link to the content before accepting');
	await incoming.getByRole('button', { name: `Accepter le transfert de ${reference}` }).click();
	await other.getByText(`Le dossier ${reference} est désormais dans votre unité.`).waitFor();
	// Now it is theirs: the reference leads to it.
	await incoming.getByText('Accepté').waitFor();
	assert.equal(await incoming.getByRole('link', { name: reference }).getAttribute('href'), `/cases/${caseId}`);
	assert.equal(await incoming.getByRole('button').count(), 0, 'nothing left to decide');

	// The editor of the origin has lost it: the case page says it cannot be found.
	await open(page, `${server.baseURL}/cases/${caseId}`);
	await page.getByRole('heading', { level: 1, name: 'Dossier introuvable' }).waitFor();
	assert.equal(takeFailedResponses(browser.problems, `/api/cases/${caseId}`, 404), 1);

	await assertCleanIn({ contexts, pages, problems: browser.problems });
});

test('the superadmin names a category’s inspector, opens it in a unit, and the inspector reads what is open', async () => {
	const made = await browser.newContext();
	contexts.push(made.context);
	pages.push(made.page);
	const page = made.page;
	await logIn(page, superadmin);

	// Naming the referent: the superadmin finds the account among the people.
	await page.getByRole('link', { name: 'Inspecteur·rices', exact: true }).click();
	await page.getByRole('heading', { level: 1, name: 'Inspecteur·rices référent·es' }).waitFor();
	await page.getByLabel('Catégorie').selectOption({ label: categoryLabel });
	await page.getByText('Personne pour l’instant.').waitFor();
	await page.getByLabel('Chercher une personne').fill('Somerville');
	await page.getByRole('button', { name: 'Chercher', exact: true }).click();
	await page.getByRole('button', { name: `Ajouter ${inspector.name}` }).click();
	await page.getByRole('button', { name: `Retirer ${inspector.name}` }).waitFor();
	await page.getByLabel('Motif').fill(reason);
	await page.getByRole('button', { name: 'Enregistrer les référent·es' }).click();
	await page.getByText(`Les référent·es de ${categoryLabel} sont enregistré·es.`).waitFor();

	// Opening the category of Unité Nord to them, with a reason.
	await page.getByRole('link', { name: 'Inspection', exact: true }).click();
	await page.getByRole('heading', { level: 1, name: 'Accès des inspecteur·rices' }).waitFor();
	await page.getByLabel('Unité').selectOption({ label: 'Unité Nord (U-NORD)' });
	await page.getByRole('button', { name: 'Afficher' }).click();
	const switchPanel = page.getByRole('region', { name: categoryLabel });
	await switchPanel.getByText(`Référent·es : ${inspector.name}`).waitFor();
	await switchPanel.getByText('Fermée aux inspecteur·rices.').waitFor();
	await switchPanel.getByLabel('Motif').fill(reason);
	await switchPanel.getByRole('button', { name: 'Ouvrir aux inspecteur·rices' }).click();
	await switchPanel.getByText(`La catégorie ${categoryLabel} est ouverte`).waitFor();
	await switchPanel.getByRole('button', { name: 'Fermer aux inspecteur·rices' }).waitFor();
	await page.getByText('Aucune lecture pour l’instant.').waitFor();

	// The inspector's home: what is open, by unit and category, with its counts drawn.
	const seen = await browser.newContext();
	contexts.push(seen.context);
	pages.push(seen.page);
	const reader = seen.page;
	await logIn(reader, inspector);
	const home = reader.getByRole('region', { name: 'Ce qui m’est ouvert en inspection' });
	await home.getByRole('heading', { name: /Unité Nord/ }).waitFor();
	assert.equal(await home.locator('svg rect').count(), 1, 'one bar: one status');
	await home.getByRole('list', { name: `Dossiers de ${categoryLabel} à Unité Nord, par statut` }).getByText('Ouvert : 1').waitFor();
	await home.getByRole('link', { name: `${categoryLabel} : 1 dossiers` }).click();
	await reader.getByRole('heading', { level: 1, name: 'Dossiers' }).waitFor();
	await reader.getByRole('link', { name: inspected.reference }).click();
	await reader.getByRole('heading', { level: 1, name: 'Retard de remboursement' }).waitFor();
	await reader.getByText('Vous lisez ce dossier en tant qu’inspecteur·rice référent·e').waitFor();

	// The unit's admins see the read.
	await page.reload();
	await page.getByRole('row').filter({ hasText: inspector.name }).filter({ hasText: inspected.reference }).waitFor();

	await assertCleanIn({ contexts, pages, problems: browser.problems });
});
