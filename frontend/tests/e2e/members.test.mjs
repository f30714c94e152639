// Members, change requests, messages and documents end to end, against the real binary with no
// SMTP host (e-mails are read from its log and its outbox). One instance for the file; the tests
// run in order: the secretariat keeps a centrally managed organisation whose member asks for a
// new member; an organisation's admin writes to its treasurer; the secretariat publishes a
// document to the members.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import {
	apiToken,
	assertClean as assertCleanIn,
	callAPI,
	heading,
	openPage as open,
	submitLogin,
	takeFailedResponses,
	useInstance
} from './harness.mjs';

const instance = useInstance();
let server;
let browser;
const contexts = [];
const pages = [];

const superadmin = { name: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery' };
const secretariat = { name: 'Hypatie d’Alexandrie', email: 'hypatie@example.org', password: 'astrolabe et hydromètre' };
const centralAdmin = { name: 'Marie Curie', email: 'marie@example.org', password: 'polonium et radium 1898' };
const centralMember = { name: 'Rosalind Franklin', email: 'rosalind@example.org', password: 'photo fifty-one 1952' };
const newcomer = { name: 'Lise Meitner', email: 'lise@example.org' };
const orgAdmin = { name: 'Émilie du Châtelet', email: 'emilie@example.org', password: 'institutions de physique' };
const treasurer = { name: 'Mary Somerville', email: 'mary@example.org', password: 'mechanism of the heavens' };
const president = { name: 'Sophie Kowalevski', email: 'sophie@example.org', password: 'spinning top 1888 prix' };
const reason = 'Décision du bureau du 12 mars';

const call = (method, path, options) => callAPI(server.baseURL, method, path, options);
const login = (who) => apiToken(server.baseURL, who);
const assertClean = () => assertCleanIn({ contexts, pages, problems: browser.problems });
const adminNav = (page) => page.getByRole('navigation', { name: 'Administration' });

/** Registers who through the invitation e-mailed to them after since, as the link does. */
async function register(who, since) {
	const link = await server.waitForLink({ to: who.email, path: '/invitation', since });
	const answer = await call('POST', '/api/auth/register', {
		body: { email: who.email, name: who.name, password: who.password, pledge: true, locale: 'fr', invitation: new URL(link).hash.slice('#token='.length) }
	});
	assert.equal(answer.status, 'active');
}

async function logIn(page, who) {
	await submitLogin(page, server.baseURL, who);
	// Logged in once the login page is left (a click before that would be overtaken).
	await page.waitForURL((url) => url.pathname !== '/login');
	await page.getByRole('link', { name: 'Mon compte' }).waitFor();
}

async function newPage() {
	const made = await browser.newContext();
	contexts.push(made.context);
	pages.push(made.page);
	return made.page;
}

let adminToken;
let secretariatToken;
let centralOrg;
let southOrg;

// Everyone the tests need, set up through the API before the first test.
let setUp;
const ready = () =>
	(setUp ??= (async () => {
		({ server, browser } = instance);
		contexts.push(browser.context);
		pages.push(browser.page);
		await call('POST', '/api/setup', {
			body: { token: server.setupToken, email: superadmin.email, name: superadmin.name, password: superadmin.password, locale: 'fr' }
		});
		adminToken = await login(superadmin);
		let since = server.mark();
		await call('POST', '/api/users', { token: adminToken, body: { email: secretariat.email, name: secretariat.name, role: 'secretariat', locale: 'fr', reason } });
		await register(secretariat, since);
		secretariatToken = await login(secretariat);

		// A centrally managed organisation, its admin and a plain member.
		since = server.mark();
		centralOrg = await call('POST', '/api/orgs', {
			token: secretariatToken,
			body: { name: 'Pouvoir organisateur Saint-Luc', code: 'PO-SL', admin_email: centralAdmin.email, centrally_managed: true, reason }
		});
		await register(centralAdmin, since);
		since = server.mark();
		await call('POST', `/api/orgs/${centralOrg.id}/members`, {
			token: secretariatToken,
			body: { email: centralMember.email, role: 'member', functions: ['secretaire'], reason }
		});
		await register(centralMember, since);

		// An organisation that keeps itself, with a treasurer and a president.
		since = server.mark();
		southOrg = await call('POST', '/api/orgs', { token: secretariatToken, body: { name: 'Réseau Sud', code: 'RS', admin_email: orgAdmin.email, reason } });
		await register(orgAdmin, since);
		const orgAdminToken = await login(orgAdmin);
		for (const [who, fn] of [
			[treasurer, 'tresorier'],
			[president, 'president']
		]) {
			since = server.mark();
			await call('POST', `/api/orgs/${southOrg.id}/members`, { token: orgAdminToken, body: { email: who.email, role: 'member', functions: [fn], reason } });
			await register(who, since);
		}
	})());

test('a member of a centrally managed organisation asks for a new member; the secretariat applies it from its queue', async () => {
	await ready();
	const { page } = browser;
	await logIn(page, centralMember);
	await open(page, `${server.baseURL}/orgs/${centralOrg.id}`);
	await heading(page, 'Pouvoir organisateur Saint-Luc').waitFor();
	// Its record: the members with their functions in words, no e-mail for a member, no edit form.
	const admins = page.getByRole('row').filter({ hasText: centralAdmin.name });
	await admins.getByRole('cell', { name: 'Administrateur·rice' }).waitFor();
	assert.equal(await page.getByText(centralAdmin.email).count(), 0, 'a member sees no e-mail');
	await page.getByRole('row').filter({ hasText: centralMember.name }).getByRole('cell', { name: 'Secrétaire', exact: true }).waitFor();
	assert.equal(await page.getByRole('region', { name: 'Changer la fiche de l’organisation' }).count(), 0);
	await admins.getByRole('button', { name: `Demander à changer le mandat de ${centralAdmin.name}` }).waitFor();

	const asking = page.getByRole('region', { name: 'Demander un changement au secrétariat' });
	const form = asking.getByRole('region', { name: 'Nouvelle demande' });
	assert.equal(await form.getByLabel('Ce que vous demandez').inputValue(), 'add_member');
	await form.getByLabel('Adresse e-mail', { exact: true }).fill(newcomer.email);
	await form.getByLabel('Nom (facultatif)').fill(newcomer.name);
	await form.getByRole('group', { name: 'Fonctions' }).getByLabel('Trésorier·ère').check();
	// Dates in the wrong order: the server names the field, the form shows it there.
	await form.getByLabel('Début du mandat').fill('2027-09-01');
	await form.getByLabel('Fin du mandat').fill('2027-06-30');
	await form.getByRole('button', { name: 'Envoyer la demande' }).click();
	await form.getByText('La fin du mandat doit suivre son début.').waitFor();
	assert.equal(await form.getByLabel('Fin du mandat').getAttribute('aria-invalid'), 'true');
	assert.equal(takeFailedResponses(browser.problems, `/api/orgs/${centralOrg.id}/change-requests`, 422), 1);
	await form.getByLabel('Début du mandat').fill('');
	await form.getByLabel('Fin du mandat').fill('');
	await form.getByLabel('Message au secrétariat').fill('Élue trésorière par l’assemblée du 2 mars.');
	await form.getByRole('button', { name: 'Envoyer la demande' }).click();
	await form.getByText('Demande envoyée au secrétariat.').waitFor();
	const mine = asking.getByRole('article', { name: /Ajouter un membre/ });
	await mine.getByText('En attente').waitFor();
	await mine.getByRole('definition').filter({ hasText: newcomer.email }).waitFor();

	// The secretariat finds it in its queue, in words, and applies it.
	const desk = await newPage();
	await logIn(desk, secretariat);
	// The navigation says one request waits.
	await adminNav(desk).getByRole('link', { name: 'Demandes de changement (1 en attente)' }).click();
	await heading(desk, 'Demandes de changement à traiter').waitFor();
	const request = desk.getByRole('article', { name: /Ajouter un membre — Pouvoir organisateur Saint-Luc/ });
	await request.getByRole('definition').filter({ hasText: centralMember.name }).waitFor();
	await request.getByRole('definition').filter({ hasText: /^Pouvoir organisateur Saint-Luc$/ }).waitFor();
	await request.getByRole('definition').filter({ hasText: 'Trésorier·ère' }).waitFor();
	await request.getByRole('definition').filter({ hasText: 'Élue trésorière par l’assemblée du 2 mars.' }).waitFor();
	const since = server.mark();
	await request.getByLabel('Motif').fill(reason);
	await request.getByRole('button', { name: 'Appliquer' }).click();
	await desk.getByText(/^Demande appliquée : Ajouter un membre, Pouvoir organisateur Saint-Luc\./).waitFor();
	await desk.getByRole('article', { name: /Ajouter un membre — Pouvoir organisateur Saint-Luc/ }).getByText('Appliquée').waitFor();
	// The newcomer is invited at once.
	await server.waitForLink({ to: newcomer.email, path: '/invitation', since });

	// The new member is in the record, with the function asked.
	await open(desk, `${server.baseURL}/orgs/${centralOrg.id}`);
	await heading(desk, 'Pouvoir organisateur Saint-Luc').waitFor();
	const added = desk.getByRole('row').filter({ hasText: newcomer.email });
	await added.getByRole('cell', { name: 'Trésorier·ère' }).waitFor();
	await added.getByText('Invité·e').waitFor();

	// The requester sees the outcome.
	await open(page, `${server.baseURL}/orgs/${centralOrg.id}`);
	await page.getByRole('article', { name: /Ajouter un membre/ }).getByText('Appliquée').waitFor();
	await assertClean();
});

test('an organisation admin writes to its treasurer: the count follows the audience, one e-mail goes out', async () => {
	await ready();
	const page = await newPage();
	await logIn(page, orgAdmin);
	await adminNav(page).getByRole('link', { name: 'Messages' }).click();
	await heading(page, 'Messages aux membres').waitFor();
	const compose = page.getByRole('region', { name: 'Nouveau message' });
	const subject = 'Comptes annuels à déposer';
	await compose.getByLabel('Objet').fill(subject);
	await compose.getByLabel('Texte').fill('Bonjour,\nLes comptes sont à déposer avant le 31 mars.');
	const audience = compose.getByRole('group', { name: 'Destinataires' });
	await audience.getByRole('group', { name: 'Organisations' }).getByLabel('Réseau Sud').check();
	// Its admin and its two members.
	await compose.getByText('3 destinataires', { exact: true }).waitFor();
	await audience.getByRole('group', { name: 'Fonctions' }).getByLabel('Trésorier·ère').check();
	await compose.getByText('1 destinataire', { exact: true }).waitFor();
	await compose.getByRole('button', { name: 'Envoyer', exact: true }).click();
	await compose.getByText('Envoyer ce message à 1 personne ?').waitFor();
	await compose.getByRole('button', { name: 'Oui, envoyer' }).click();
	await compose.getByText(/^Message envoyé à 1 personne\./).waitFor();
	const sent = page.getByRole('region', { name: 'Messages envoyés' });
	const row = sent.getByRole('row').filter({ hasText: subject });
	await row.getByRole('cell', { name: 'Réseau Sud · Trésorier·ère' }).waitFor();
	await row.getByRole('cell', { name: '1', exact: true }).waitFor();

	// One e-mail, to the treasurer only.
	const outbox = await call('GET', '/api/outbox?per_page=200', { token: adminToken });
	const mails = outbox.items.filter((m) => m.subject.includes(subject));
	assert.deepEqual(
		mails.map((m) => m.to),
		[treasurer.email]
	);
	assert.match(server.output(), new RegExp(`${treasurer.email.replace('.', '\\.')}`));
	await assertClean();
});

// A minimal PDF: the server checks the type from the content.
const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

test('the secretariat publishes a document to members: a member downloads it, an admin who is no member does not see it', async () => {
	await ready();
	const desk = pages[1];
	await open(desk, `${server.baseURL}/`);
	await desk.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Documents' }).click();
	await heading(desk, 'Documents').waitFor();
	const publish = desk.getByRole('region', { name: 'Publier un document' });
	await publish.getByLabel('Titre').fill('Calendrier des assemblées');
	await publish.getByLabel('Fichier').setInputFiles({ name: 'calendrier.pdf', mimeType: 'application/pdf', buffer: pdf });
	await publish.getByRole('group', { name: 'Rôles' }).getByLabel('Membre').check();
	await publish.getByRole('button', { name: 'Publier' }).click();
	await desk.getByText('Document « Calendrier des assemblées » publié.').waitFor();
	await desk.getByText('Pour : Membre').waitFor();

	// A member of an organisation downloads it.
	const member = pages[0];
	await open(member, `${server.baseURL}/documents`);
	await heading(member, 'Documents').waitFor();
	const [download] = await Promise.all([
		member.waitForEvent('download'),
		member.getByRole('button', { name: 'Télécharger Calendrier des assemblées' }).click()
	]);
	assert.equal(download.suggestedFilename(), 'calendrier.pdf');
	assert.deepEqual(await readFile(await download.path()), pdf);

	// Its admin, who holds no member mandate, does not see it, and the API says it does not exist.
	const outsider = pages[2];
	await open(outsider, `${server.baseURL}/documents`);
	await heading(outsider, 'Documents').waitFor();
	await outsider.getByText('Aucun document pour vous pour l’instant.').waitFor();
	const [doc] = (await call('GET', '/api/documents', { token: secretariatToken })).items;
	await assert.rejects(call('GET', `/api/documents/${doc.id}`, { token: await login(orgAdmin) }), /404/);
	assert.equal((await call('GET', '/api/documents', { token: await login(orgAdmin) })).items.length, 0);
	await assertClean();
});

test('the secretariat keeps the catalogue of functions; a member asks to end a mandate and the secretariat rejects it with a reason', async () => {
	await ready();
	const desk = pages[1];
	await open(desk, `${server.baseURL}/`);
	await adminNav(desk).getByRole('link', { name: 'Fonctions' }).click();
	await heading(desk, 'Catalogue des fonctions').waitFor();
	const catalogue = desk.getByRole('form', { name: 'Catalogue des fonctions' });
	// A function a mandate holds cannot go.
	await catalogue.getByRole('button', { name: 'Retirer Secrétaire' }).click();
	await catalogue.getByLabel('Motif').fill(reason);
	await catalogue.getByRole('button', { name: 'Enregistrer le catalogue' }).click();
	await catalogue.getByText('Des mandats portent encore cette fonction : désactivez-la plutôt que de la retirer.').waitFor();
	assert.equal(takeFailedResponses(browser.problems, '/api/functions', 409), 1);
	await open(desk, `${server.baseURL}/admin/functions`);
	await catalogue.getByRole('button', { name: 'Ajouter une fonction' }).click();
	await catalogue.getByLabel('Code de la fonction 8').fill('delegue');
	await catalogue.getByLabel('Libellé en français de delegue').fill('Délégué·e');
	await catalogue.getByLabel('Libellé en anglais de delegue').fill('Delegate');
	await catalogue.getByLabel('Vice-président·e proposée').uncheck();
	await catalogue.getByLabel('Motif').fill(reason);
	await catalogue.getByRole('button', { name: 'Enregistrer le catalogue' }).click();
	await catalogue.getByText('Catalogue enregistré : 8 fonctions.').waitFor();

	// The member's forms offer the catalogue as it now is.
	const page = pages[0];
	await open(page, `${server.baseURL}/orgs/${centralOrg.id}`);
	await heading(page, 'Pouvoir organisateur Saint-Luc').waitFor();
	const form = page.getByRole('region', { name: 'Nouvelle demande' });
	const functions = form.getByRole('group', { name: 'Fonctions' });
	await functions.getByLabel('Délégué·e').waitFor();
	assert.equal(await functions.getByLabel('Vice-président·e').count(), 0, 'a retired function is no longer offered');

	// From the member's row, the request names the mandate at once.
	await page.getByRole('row').filter({ hasText: centralAdmin.name }).getByRole('button', { name: `Demander la fin du mandat de ${centralAdmin.name}` }).click();
	assert.equal(await form.getByLabel('Ce que vous demandez').inputValue(), 'end_member');
	await form.getByRole('button', { name: 'Envoyer la demande' }).click();
	await form.getByText('Demande envoyée au secrétariat.').waitFor();

	// The secretariat decides it from the organisation's page too.
	await open(desk, `${server.baseURL}/orgs/${centralOrg.id}`);
	const waiting = desk.getByRole('region', { name: 'Demandes en attente pour cette organisation' });
	const request = waiting.getByRole('article', { name: /Mettre fin à un mandat — Pouvoir organisateur Saint-Luc/ });
	await request.getByRole('definition').filter({ hasText: `${centralAdmin.name} (Pouvoir organisateur Saint-Luc)` }).waitFor();
	await request.getByLabel('Motif').fill('Le mandat court jusqu’à l’assemblée de juin.');
	await request.getByRole('button', { name: 'Refuser' }).click();
	await desk.getByText(/^Demande refusée : Mettre fin à un mandat, Pouvoir organisateur Saint-Luc\./).waitFor();
	// Nothing waits any more.
	await waiting.waitFor({ state: 'detached' });

	// The requester sees why, and is told by e-mail.
	await open(page, `${server.baseURL}/orgs/${centralOrg.id}`);
	const mine = page.getByRole('article', { name: /Mettre fin à un mandat/ });
	await mine.getByText('Refusée').waitFor();
	await mine.getByRole('definition').filter({ hasText: 'Le mandat court jusqu’à l’assemblée de juin.' }).waitFor();
	const outbox = await call('GET', '/api/outbox?per_page=200', { token: adminToken });
	assert.ok(outbox.items.some((m) => m.to === centralMember.email && m.kind === 'change_request_rejected'), 'the requester is told');
	await page.getByRole('row').filter({ hasText: centralAdmin.name }).waitFor();
	await assertClean();
});
