// Organisations and units end to end, against the real binary with no SMTP host (e-mails are
// read from its log). One instance for the file; the tests run in order and build on each
// other: the superadmin registers an organisation, whose invited administrator creates a unit
// and invites its administrator; that one keeps the unit's settings; an editor of two units
// picks where a case file goes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiToken, assertClean as assertCleanIn, callAPI, heading, openPage as open, submitLogin, useInstance } from './harness.mjs';

// One instance and one browser for the file (started before the first test, stopped after the last).
const instance = useInstance();
let server;
let browser;
const contexts = [];
const pages = [];

const superadmin = { name: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery' };
const orgAdmin = { name: 'Émilie du Châtelet', email: 'emilie@example.org', password: 'institutions de physique' };
const unitAdmin = { name: 'Sophie Germain', email: 'sophie@example.org', password: 'elastic surfaces 1816' };
const editor = { name: 'Grace Hopper', email: 'grace@example.org', password: 'compiler debugging 1952' };
const reason = 'Décision du bureau du 12 mars';

// The smallest PNG there is (1×1): the server checks the type from the content.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const call = (method, path, options) => callAPI(server.baseURL, method, path, options);
const login = (who) => apiToken(server.baseURL, who);

let adminToken;

// The superadmin, made through the setup link before the first test (useInstance's own hook
// may not have ended when a hook of this file starts, so the tests wait for this instead).
let setUp;
const ready = () =>
	(setUp ??= (async () => {
		({ server, browser } = instance);
		await call('POST', '/api/setup', {
			body: { token: server.setupToken, email: superadmin.email, name: superadmin.name, password: superadmin.password, locale: 'fr' }
		});
		adminToken = await login(superadmin);
		contexts.push(browser.context);
		pages.push(browser.page);
	})());

const assertClean = () => assertCleanIn({ contexts, pages, problems: browser.problems });

const logIn = (page, who) => submitLogin(page, server.baseURL, who);

async function newPage() {
	const made = await browser.newContext();
	contexts.push(made.context);
	pages.push(made.page);
	return made.page;
}

/** Opens an e-mailed membership invitation in page, registers through it and logs in. */
async function joinThrough(page, link, who, intro) {
	await open(page, link);
	await heading(page, 'Invitation').waitFor();
	assert.equal(page.url(), `${server.baseURL}/invitation`, 'the token leaves the address bar');
	await page.getByText(intro).waitFor();
	assert.equal(await page.getByLabel('Adresse e-mail invitée').inputValue(), who.email);
	await page.getByLabel('Nom').fill(who.name);
	await page.getByLabel('Mot de passe', { exact: true }).fill(who.password);
	await page.getByLabel('Confirmation du mot de passe').fill(who.password);
	await page.getByLabel('J’ai lu cet engagement et je le signe').check();
	await page.getByRole('button', { name: 'Accepter l’invitation' }).click();
	await heading(page, 'Connexion').waitFor();
	await page.getByText('Votre compte est prêt.').waitFor();
	await page.getByLabel('Mot de passe').fill(who.password);
	await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
}

let orgURL;
let unitA;

test('(a) the superadmin registers an organisation; its invited administrator creates a unit and invites its administrator', async () => {
	await ready();
	const { page } = browser;
	await logIn(page, superadmin);
	await page.getByRole('heading', { name: 'Mes dossiers' }).waitFor();
	await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Organisations' }).click();
	await heading(page, 'Organisations').waitFor();
	// Setup made the first organisation, named after the instance.
	await page.getByText('1 organisation', { exact: true }).waitFor();

	const since = server.mark();
	const form = page.getByRole('region', { name: 'Enregistrer une organisation' });
	await form.getByLabel('Nom', { exact: true }).fill('Fédération du Nord');
	await form.getByLabel('Code', { exact: true }).fill('FN-01');
	await form.getByLabel('Adresse', { exact: true }).fill('1 place du Marché\n59000 Lille');
	await form.getByLabel('Adresse e-mail de l’administrateur·rice').fill(orgAdmin.email);
	await form.getByRole('button', { name: 'Enregistrer et inviter' }).click();
	// Without a reason, nothing is sent and the field says why.
	await form.getByText('Ce champ est obligatoire.').waitFor();
	await form.getByLabel('Motif').fill(reason);
	await form.getByRole('button', { name: 'Enregistrer et inviter' }).click();
	await form.getByText('Organisation Fédération du Nord enregistrée ; l’invitation est partie.').waitFor();
	await page.getByText('2 organisations', { exact: true }).waitFor();
	await page.getByRole('cell', { name: 'FN-01' }).waitFor();

	// The invited administrator registers through the e-mailed link and lands as the organisation's admin.
	const link = await server.waitForLink({ to: orgAdmin.email, path: '/invitation', since });
	const admin = await newPage();
	await joinThrough(admin, link, orgAdmin, 'Ada Lovelace vous invite à rejoindre Fédération du Nord comme Administrateur·rice');
	await admin.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Organisations' }).click();
	await heading(admin, 'Organisations').waitFor();
	await admin.getByText('1 organisation', { exact: true }).waitFor();
	await admin.getByRole('link', { name: 'Fédération du Nord' }).click();
	await heading(admin, 'Fédération du Nord').waitFor();
	orgURL = admin.url();
	await admin.getByRole('cell', { name: orgAdmin.email }).waitFor();

	// It keeps the organisation's record.
	const record = admin.getByRole('region', { name: 'Changer la fiche de l’organisation' });
	await record.getByLabel('Adresse e-mail de contact').fill('contact@federation-nord.example.org');
	await record.getByLabel('Motif').fill(reason);
	await record.getByRole('button', { name: 'Enregistrer la fiche' }).click();
	await record.getByText('Fiche enregistrée.').waitFor();
	await admin.getByRole('definition').filter({ hasText: 'contact@federation-nord.example.org' }).waitFor();

	// A unit of its own.
	const unitForm = admin.getByRole('form', { name: 'Créer une unité' });
	await unitForm.getByLabel('Nom de l’unité').fill('École A');
	await unitForm.getByLabel('Code', { exact: true }).fill('EA');
	await unitForm.getByLabel('Adresse e-mail de contact').fill('contact-a@example.org');
	await unitForm.getByLabel('Motif').fill(reason);
	await unitForm.getByRole('button', { name: 'Créer l’unité' }).click();
	await unitForm.getByText('Unité École A créée.').waitFor();
	await unitForm.getByRole('link', { name: 'Ouvrir École A' }).click();
	await heading(admin, 'École A').waitFor();
	unitA = new URL(admin.url()).pathname.split('/').at(-1);

	// It invites the unit's administrator.
	const invited = server.mark();
	const invite = admin.getByRole('region', { name: 'Inviter un membre' });
	await invite.getByLabel('Adresse e-mail').fill(unitAdmin.email);
	await invite.getByLabel('Rôle').selectOption({ label: 'Administrateur·rice' });
	// Functions are picked from the catalogue, in the reader's language.
	await invite.getByRole('group', { name: 'Fonctions' }).getByLabel('Directeur·rice').check();
	await invite.getByLabel('Motif').fill(reason);
	await invite.getByRole('button', { name: 'Inviter', exact: true }).click();
	await invite.getByText(`Invitation envoyée à ${unitAdmin.email}.`).waitFor();
	const row = admin.getByRole('row').filter({ hasText: unitAdmin.email });
	await row.getByText('Invité·e').waitFor();
	await row.getByText('Directeur·rice').waitFor();

	// The invitation can be sent again (a new link: the first one dies).
	await server.waitForLink({ to: unitAdmin.email, path: '/invitation', since: invited });
	const resent = server.mark();
	await row.getByRole('button', { name: `Gérer ${unitAdmin.email}` }).click();
	await admin.getByRole('button', { name: 'Renvoyer l’invitation' }).click();
	await admin.getByText(`Invitation renvoyée à ${unitAdmin.email}.`).waitFor();

	// The unit's administrator accepts the link sent last.
	const unitLink = await server.waitForLink({ to: unitAdmin.email, path: '/invitation', since: resent });
	const keeper = await newPage();
	await joinThrough(keeper, unitLink, unitAdmin, 'Émilie du Châtelet vous invite à rejoindre École A comme Administrateur·rice');
	await keeper.getByRole('link', { name: 'Mon compte' }).click();
	const mandate = keeper.getByRole('region', { name: 'Mes mandats' });
	await mandate.getByRole('link', { name: 'École A' }).waitFor();
	await mandate.getByText('Actif·ve').waitFor();

	// The organisation's admin sees the mandate active now.
	await open(admin, `${server.baseURL}/units/${unitA}?status=active`);
	await admin.getByRole('row').filter({ hasText: unitAdmin.name }).getByText('Actif·ve').waitFor();
	await assertClean();
});

test('(c) the unit administrator changes its settings and uploads a logo that previews', async () => {
	await ready();
	const keeper = pages.at(-1);
	await open(keeper, `${server.baseURL}/units/${unitA}`);
	await heading(keeper, 'École A').waitFor();

	const settings = keeper.getByRole('region', { name: 'Changer les réglages' });
	await settings.getByLabel('Adresse e-mail de contact').fill('secretariat-a@example.org');
	await settings.getByLabel('Pièces jointes').uncheck();
	await settings.getByLabel('Motif').fill(reason);
	await settings.getByRole('button', { name: 'Enregistrer les réglages' }).click();
	await settings.getByText('Réglages enregistrés.').waitFor();
	await keeper.getByRole('definition').filter({ hasText: 'secretariat-a@example.org' }).waitFor();
	await keeper.getByRole('definition').filter({ hasText: 'Aidant·es, Rappels d’échéance par e-mail' }).waitFor();

	const logo = keeper.getByRole('region', { name: 'Logo', exact: true });
	await logo.getByText('Aucun logo.').waitFor();
	await logo.getByLabel('Fichier du logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png });
	await logo.getByRole('button', { name: 'Envoyer le logo' }).click();
	await logo.getByText('Logo enregistré.').waitFor();
	const preview = logo.getByRole('img', { name: 'Logo actuel de l’unité' });
	await preview.waitFor();
	assert.match(await preview.getAttribute('src'), /^data:image\/png;base64,/);
	assert.equal(await preview.evaluate((img) => img.naturalWidth), 1, 'the preview shows the image sent');

	// A file that is no image is refused, field named.
	await logo.getByLabel('Fichier du logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('not an image') });
	await logo.getByRole('button', { name: 'Envoyer le logo' }).click();
	await logo.locator('.error').waitFor();
	browser.problems.consoleErrors = browser.problems.consoleErrors.filter((error) => !/status of 422/.test(error.text));

	// The server agrees.
	const unit = await call('GET', `/api/units/${unitA}`, { token: await login(unitAdmin) });
	assert.equal(unit.contact_email, 'secretariat-a@example.org');
	assert.deepEqual(unit.modules, { helpers: true, attachments: false, reminders: true, transfers: true, inspectors: true });
	assert.equal(unit.has_logo, true);
	await assertClean();
});

test('(b) an editor of two units picks the unit of a new case file; a module off disappears from its case files', async () => {
	await ready();
	// A second unit, and an editor of both (an active account gets each membership at once).
	const orgId = new URL(orgURL).pathname.split('/').at(-1);
	const orgToken = await login(orgAdmin);
	const unitB = await call('POST', `/api/orgs/${orgId}/units`, {
		token: orgToken,
		body: { name: 'École B', code: 'EB', contact_email: 'contact-b@example.org', reason }
	});
	const since = server.mark();
	await call('POST', '/api/users', { token: adminToken, body: { email: editor.email, name: editor.name, role: 'reader', locale: 'fr', reason } });
	const link = await server.waitForLink({ to: editor.email, path: '/invitation', since });
	await call('POST', '/api/auth/register', {
		body: { email: editor.email, name: editor.name, password: editor.password, pledge: true, locale: 'fr', invitation: new URL(link).hash.slice(7) }
	});

	// As a reader, they ask to manage case files for unit A, which they pick from the directory;
	// that unit's administrator approves.
	const page = await newPage();
	await logIn(page, editor);
	const request = page.getByRole('region', { name: 'Mes demandes de rôle' });
	const picker = request.getByLabel('Unité');
	await picker.locator('option', { hasText: 'École B' }).waitFor({ state: 'attached' });
	const offered = await picker.locator('option').allTextContents();
	assert.equal(offered[0], 'Choisissez une unité');
	assert.ok(offered.includes('École A (Fédération du Nord)') && offered.includes('École B (Fédération du Nord)'), offered.join(' | '));
	await picker.selectOption({ label: 'École A (Fédération du Nord)' });
	await request.getByLabel('Votre message aux administrateurs').fill('Je suis la nouvelle référente.');
	await request.getByRole('button', { name: 'Demander le rôle « Gestionnaire de dossiers »' }).click();
	await request.getByText('Votre demande du rôle « Gestionnaire de dossiers » est envoyée.').waitFor();
	const keeper = pages[2];
	await open(keeper, `${server.baseURL}/`);
	await keeper.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: /^Demandes de rôle/ }).click();
	await heading(keeper, 'Demandes de rôle').waitFor();
	const asked = keeper.getByRole('article', { name: /Grace Hopper/ });
	await asked.getByRole('definition').filter({ hasText: 'École A' }).waitFor();
	await asked.getByLabel('Motif').fill(reason);
	await asked.getByRole('button', { name: 'Accorder le rôle « Gestionnaire de dossiers »' }).click();
	await keeper.getByText('Rôle « Gestionnaire de dossiers » accordé à Grace Hopper.', { exact: false }).waitFor();
	// And an organisation admin makes them an editor of unit B too (an active account gets it at once).
	await call('POST', `/api/units/${unitB.id}/members`, { token: orgToken, body: { email: editor.email, role: 'editor', reason } });

	await open(page, `${server.baseURL}/`);
	await page.getByRole('heading', { name: 'Mes dossiers' }).waitFor();
	await open(page, `${server.baseURL}/cases/new`);
	await heading(page, 'Nouveau dossier').waitFor();
	const unitPicker = page.getByLabel('Unité');
	assert.deepEqual(await unitPicker.locator('option').allTextContents(), ['Choisissez une unité', 'École A', 'École B']);
	await page.getByLabel('Titre').fill('Refus de scolarisation');
	await page.getByLabel('Catégorie').selectOption({ index: 1 });
	await page.getByRole('button', { name: 'Créer le dossier' }).click();
	// Without a unit, the picker says so.
	await page.getByText('Ce champ est obligatoire.').waitFor();
	await unitPicker.selectOption({ label: 'École B' });
	await page.getByRole('button', { name: 'Créer le dossier' }).click();
	await page.getByText(/^Dossier .* créé/).waitFor();
	const caseB = new URL(page.url()).pathname.split('/').at(-1);
	await page.getByRole('definition').filter({ hasText: 'École B' }).waitFor();
	// Unit B keeps every module.
	await page.getByRole('heading', { name: 'Pièces jointes' }).waitFor();

	const token = await login(editor);
	assert.equal((await call('GET', `/api/cases/${caseB}`, { token })).unit.id, unitB.id, 'the case file is in the unit picked');

	// The list names the unit, and filters by it.
	const caseA = await call('POST', '/api/cases', { token, body: { title: 'Cantine refusée', category_id: (await call('GET', '/api/categories', { token })).items[0].id, summary: '', unit_id: unitA } });
	await page.getByRole('link', { name: 'Dossiers', exact: true }).click();
	await heading(page, 'Dossiers').waitFor();
	await page.getByRole('row').filter({ hasText: 'Refus de scolarisation' }).getByRole('cell', { name: 'École B' }).waitFor();
	await page.getByRole('row').filter({ hasText: 'Cantine refusée' }).getByRole('cell', { name: 'École A' }).waitFor();
	await page.getByLabel('Unité').selectOption({ label: 'École A' });
	await page.getByRole('button', { name: 'Rechercher' }).click();
	await page.getByText('1 dossier', { exact: true }).waitFor();
	assert.match(page.url(), new RegExp(`unit=${unitA}`));

	// Unit A switched attachments off: its case file shows no such section.
	await open(page, `${server.baseURL}/cases/${caseA.id}`);
	await heading(page, 'Cantine refusée').waitFor();
	await page.getByRole('heading', { name: 'Échéances' }).waitFor();
	assert.equal(await page.getByRole('heading', { name: 'Pièces jointes' }).count(), 0);

	// The organisation's admin ends the editor's mandate in unit B: its case files are gone for them at once.
	const admin = pages[1];
	await open(admin, `${server.baseURL}/units/${unitB.id}`);
	await heading(admin, 'École B').waitFor();
	await admin.getByRole('row').filter({ hasText: editor.name }).getByRole('button', { name: `Gérer ${editor.name}` }).click();
	const ending = admin.getByRole('region', { name: 'Mettre fin au mandat' });
	await ending.getByLabel('Motif').fill(reason);
	await ending.getByRole('button', { name: 'Mettre fin' }).click();
	await admin.getByText(`Mandat de ${editor.name} terminé.`).waitFor();
	await admin.getByRole('combobox', { name: 'Statut' }).selectOption({ label: 'Terminé' });
	await admin.getByRole('button', { name: 'Filtrer' }).click();
	await admin.getByRole('row').filter({ hasText: editor.name }).getByText('Terminé').waitFor();
	await assert.rejects(call('GET', `/api/cases/${caseB}`, { token }), /404/);
	await assertClean();
});
