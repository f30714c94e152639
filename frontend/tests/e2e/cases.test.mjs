// Case files and helpers end to end, against the real binary. The accounts are made through
// the API (setup link, an admin's invitation registered through its e-mailed link): the
// joining journeys have their own browser tests; here the browser works on case files.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import {
	apiClient,
	apiToken,
	assertClean as assertCleanIn,
	callAPI,
	heading,
	launchBrowser,
	openPage as open,
	startServer,
	submitLogin,
	takeFailedResponses
} from './harness.mjs';

let server;
let browser;
const contexts = [];
const pages = [];

const admin = { name: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery', locale: 'fr' };
const editor = { name: 'Grace Hopper', email: 'grace@example.org', password: 'compiler debugging 1952', locale: 'fr' };
const other = { name: 'Hedy Lamarr', email: 'hedy@example.org', password: 'frequency hopping 1941', locale: 'fr' };
const english = { name: 'Alan Turing', email: 'alan@example.org', password: 'on computable numbers', locale: 'en' };
const german = { name: 'Emmy Noether', email: 'emmy@example.org', password: 'invariante Integrale', locale: 'de' };
const helper = { name: 'Mary Somerville', email: 'mary@example.org', password: 'connexion of the sciences', locale: 'fr' };

// A real, tiny PDF: the server checks the type from the content.
const pdf = Buffer.from(
	'%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n' +
		'trailer<</Root 1 0 R>>\n%%EOF\n'
);

const call = (method, path, options) => callAPI(server.baseURL, method, path, options);
const login = (who) => apiToken(server.baseURL, who);

/** An admin's invitation with a role, registered through the e-mailed link, as a person would. */
const invite = (adminToken, who, role) => apiClient(server).invite(adminToken, who, role);

let adminToken;

before(async () => {
	server = await startServer();
	await call('POST', '/api/setup', {
		body: { token: server.setupToken, email: admin.email, name: admin.name, password: admin.password, locale: 'fr' }
	});
	adminToken = await login(admin);
	await invite(adminToken, editor, 'editor');
	await invite(adminToken, other, 'editor');
	await invite(adminToken, english, 'editor');
	await invite(adminToken, german, 'editor');
	browser = await launchBrowser(server.baseURL);
	contexts.push(browser.context);
	pages.push(browser.page);
});

after(async () => {
	await browser?.close();
	const exit = await server?.stop();
	assert.deepEqual(exit, { code: 0, signal: null }, 'cloison stops cleanly on SIGTERM');
});


const logIn = (page, who, words) => submitLogin(page, server.baseURL, who, words);

async function newPage() {
	const made = await browser.newContext();
	contexts.push(made.context);
	pages.push(made.page);
	return made.page;
}

/** No cookie, the token only in sessionStorage, nothing gone wrong, nothing asked of the outside. */
const assertClean = () => assertCleanIn({ contexts, pages, problems: browser.problems });

/** Clicks a button that downloads a file and returns its first bytes. */
async function downloadFrom(page, button) {
	const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
	const content = await readFile(await download.path());
	return { name: download.suggestedFilename(), head: content.subarray(0, 5).toString('latin1') };
}

async function move(page, action, { outcome, comment = '' } = {}) {
	const panel = page.getByRole('region', { name: /^(Faire avancer le dossier|Move the case file on)$/ });
	await panel.getByLabel(action, { exact: true }).check();
	if (outcome) await panel.getByLabel(/^(Issue|Outcome)$/).selectOption({ label: outcome });
	if (comment) await panel.getByLabel(/^(Commentaire|Comment)$/).fill(comment);
	await panel.getByRole('button', { name: /^(Changer le statut|Change the status)$/ }).click();
}

let caseURL;

test('(a) an editor creates a case file, works on it and closes it; another editor cannot find it', async () => {
	const { page } = browser;
	await logIn(page, editor);
	await page.getByRole('heading', { name: 'Mes dossiers' }).waitFor();
	await page.getByRole('link', { name: 'Dossiers', exact: true }).click();
	await heading(page, 'Dossiers').waitFor();
	await page.getByText('Vous n’avez encore aucun dossier.').waitFor();
	await page.getByRole('link', { name: 'Créer mon premier dossier' }).click();

	await heading(page, 'Nouveau dossier').waitFor();
	await page.getByText('N’écrivez ni le nom, ni l’adresse e-mail').waitFor();
	await page.getByRole('button', { name: 'Créer le dossier' }).click();
	await page.getByText('Ce champ est obligatoire.').first().waitFor();
	await page.getByLabel('Titre').fill('Refus de communication du dossier médical');
	await page.getByLabel('Catégorie').selectOption({ index: 1 });
	await page.getByLabel('Résumé').fill('Demande écrite restée sans réponse depuis trois mois.');
	await page.getByLabel('Date des faits').fill('2026-01-15');
	await page.getByLabel('Lieu').fill('Centre hospitalier de Villefranche');
	await page.getByRole('button', { name: 'Créer le dossier' }).click();

	await heading(page, 'Refus de communication du dossier médical').waitFor();
	await page.getByText(/^Dossier R-\d{4}-[0-9A-Z]+ créé\.$/).waitFor();
	caseURL = page.url();
	const caseId = new URL(caseURL).pathname.split('/').pop();

	await move(page, 'Ouvrir le dossier');
	await page.getByText('Le dossier est maintenant « Ouvert ».').waitFor();

	// A note, a deadline, an attachment.
	await page.getByLabel('Nouvelle note').fill('Appel au service des relations avec les usagers.');
	await page.getByRole('button', { name: 'Ajouter la note' }).click();
	await page.getByText('Note de Grace Hopper').waitFor();
	await page.getByLabel('Intitulé de l’échéance').fill('Relancer l’établissement');
	await page.getByLabel('Date d’échéance').fill('2030-06-01');
	await page.getByRole('button', { name: 'Ajouter l’échéance' }).click();
	await page.getByText('Échéance « Relancer l’établissement » ajoutée.').waitFor();
	await page.getByRole('button', { name: 'Marquer « Relancer l’établissement » comme fait' }).click();
	await page.getByText('Échéance « Relancer l’établissement » marquée comme faite.').waitFor();
	// The form states the limit, and a file over it is refused before it travels.
	await page.getByText('20 Mo au plus par fichier.').waitFor();
	const uploads = [];
	page.on('request', (request) => request.url().endsWith('/attachments') && request.method() === 'POST' && uploads.push(request));
	// A file on disk (a sparse one): the browser reads it where it lies, as it would a person's.
	const big = join(await mkdtemp(join(tmpdir(), 'cloison-e2e-')), 'trop-gros.pdf');
	await writeFile(big, '');
	await truncate(big, 21 << 20);
	await page.getByLabel('Fichier à joindre').setInputFiles(big);
	await page.getByRole('button', { name: 'Joindre le fichier' }).click();
	await page.getByText('Ce fichier est trop volumineux : 20 Mo au plus.').waitFor();
	assert.equal(uploads.length, 0, 'the oversized file was not sent');
	await rm(dirname(big), { recursive: true });
	await page.getByLabel('Fichier à joindre').setInputFiles({ name: 'courrier.pdf', mimeType: 'application/pdf', buffer: pdf });
	await page.getByRole('button', { name: 'Joindre le fichier' }).click();
	await page.getByText('courrier.pdf ajouté.').waitFor();
	assert.equal(uploads.length, 1);
	const attachment = await downloadFrom(page, page.getByRole('button', { name: 'Télécharger courrier.pdf' }));
	assert.equal(attachment.name, 'courrier.pdf');
	assert.equal(attachment.head, '%PDF-');

	await move(page, 'Passer en démarche amiable');
	await page.getByText('Le dossier est maintenant « Démarche amiable ».').waitFor();
	await move(page, 'Clore le dossier', { outcome: 'Obtenu', comment: 'Dossier communiqué le 2 mars.' });
	await page.getByText('Le dossier est maintenant « Clos ».').waitFor();
	await page.getByText('Obtenu', { exact: true }).first().waitFor();
	await page.getByText('Grace Hopper a fait passer le dossier de « Démarche amiable » à « Clos ».').waitFor();
	await page.getByText('Dossier communiqué le 2 mars.').waitFor();

	const report = await downloadFrom(page, page.getByRole('button', { name: 'Télécharger le rapport (PDF)' }));
	assert.match(report.name, /^R-\d{4}-[0-9A-Z]+\.pdf$/);
	assert.equal(report.head, '%PDF-');

	// Home counts it under its status.
	await page.getByRole('link', { name: 'Accueil' }).click();
	await page.getByRole('link', { name: '1 Clos' }).click();
	await heading(page, 'Dossiers').waitFor();
	await page.getByText('1 dossier', { exact: true }).waitFor();
	assert.equal(new URL(page.url()).search, '?status=closed');

	// Another editor finds it neither by search nor by its address.
	const second = await newPage();
	await logIn(second, other);
	await second.getByRole('heading', { name: 'Mes dossiers' }).waitFor();
	await open(second, `${server.baseURL}/cases?q=${encodeURIComponent('communication')}`);
	await second.getByText('0 dossier', { exact: true }).waitFor();
	await second.getByText('Aucun dossier ne correspond à ces critères.').waitFor();
	await open(second, caseURL);
	await heading(second, 'Dossier introuvable').waitFor();
	const seen = await second.locator('main').innerText();
	const randomId = '00000000-0000-4000-8000-000000000000';
	await open(second, `${server.baseURL}/cases/${randomId}`);
	await heading(second, 'Dossier introuvable').waitFor();
	assert.equal(await second.locator('main').innerText(), seen, 'the same not-found as for a random id');
	assert.equal(takeFailedResponses(browser.problems, `/api/cases/${caseId}`, 404), 1);
	assert.equal(takeFailedResponses(browser.problems, `/api/cases/${randomId}`, 404), 1);

	// An administrator opens it only after saying why.
	const third = await newPage();
	await logIn(third, admin);
	await third.getByRole('heading', { name: 'Administration' }).waitFor();
	await open(third, caseURL);
	await heading(third, 'Motif de consultation').waitFor();
	await third.getByLabel('Motif').fill('Contrôle demandé par le bureau');
	await third.getByRole('button', { name: 'Consulter le dossier' }).click();
	await heading(third, 'Refus de communication du dossier médical').waitFor();
	await third.getByRole('heading', { name: 'Administration du dossier' }).waitFor();
	assert.equal(takeFailedResponses(browser.problems, `/api/cases/${caseId}`, 403), 1);

	await assertClean();
});

test('(b) an assignee and a helper edit the same summary: the second sees both versions and keeps their text', async () => {
	const manager = browser.page;
	const token = await login(editor);
	const created = await call('POST', '/api/cases', {
		token,
		body: { title: 'Facturation d’un transport sanitaire', category_id: (await call('GET', '/api/categories', { token })).items[0].id, summary: 'Version de départ.' }
	});
	const url = `${server.baseURL}/cases/${created.id}`;

	// The assignee invites a helper through the case-file page.
	await open(manager, url);
	await heading(manager, 'Facturation d’un transport sanitaire').waitFor();
	const helpers = manager.getByRole('region', { name: 'Personnes qui aident' });
	await helpers.getByText('Inviter une personne à aider').click();
	await helpers.getByLabel('Adresse e-mail de la personne').fill(helper.email);
	await helpers.getByLabel('Type d’aide').selectOption('trainee');
	await helpers.getByLabel('Collaboration majeure').check();
	const since = server.mark();
	await helpers.getByRole('button', { name: 'Inviter', exact: true }).click();
	await helpers.getByText(`Invitation envoyée à ${helper.email}.`).waitFor();
	await helpers.getByText('invitation en attente').waitFor();

	// The helper registers through the e-mailed link and lands on the case file after logging in.
	const link = await server.waitForLink({ to: helper.email, path: '/invitation', since });
	const aide = await newPage();
	await open(aide, link);
	await heading(aide, 'Invitation').waitFor();
	await aide.getByText(`vous invite à l’aider sur le dossier ${created.reference} (Stagiaire)`).waitFor();
	await aide.getByLabel('Nom', { exact: true }).fill(helper.name);
	await aide.getByLabel('Mot de passe', { exact: true }).fill(helper.password);
	await aide.getByLabel('Confirmation du mot de passe').fill(helper.password);
	await aide.getByLabel('J’ai lu cet engagement et je le signe').check();
	await aide.getByRole('button', { name: 'Accepter l’invitation' }).click();
	await heading(aide, 'Connexion').waitFor();
	await aide.getByLabel('Mot de passe').fill(helper.password);
	await aide.getByRole('button', { name: 'Se connecter', exact: true }).click();
	await heading(aide, 'Facturation d’un transport sanitaire').waitFor();
	assert.equal(aide.url(), url);

	// What a helper does not get: transitions, the report, the helpers panel.
	assert.equal(await aide.getByRole('region', { name: 'Faire avancer le dossier' }).count(), 0);
	assert.equal(await aide.getByRole('button', { name: 'Télécharger le rapport (PDF)' }).count(), 0);
	assert.equal(await aide.getByRole('region', { name: 'Personnes qui aident' }).count(), 0);
	const status = await aide.evaluate(
		async (path) => (await fetch(path, { headers: { Authorization: `Bearer ${sessionStorage.getItem('cloison.token')}` } })).status,
		`/api/cases/${created.id}/report.pdf`
	);
	assert.equal(status, 403, 'a helper is refused the report');
	assert.equal(takeFailedResponses(browser.problems, `/api/cases/${created.id}/report.pdf`, 403), 1);

	// The header says she is a helper, and what a helper may and may not do is one click away.
	await aide.getByText('Aide sur des dossiers', { exact: true }).click();
	await aide.getByText('Vous pouvez y saisir des faits, des notes, des échéances et des pièces jointes.').waitFor();
	await aide.getByText('Vous ne pouvez ni changer leur statut').waitFor();
	assert.equal(await manager.getByText('Aide sur des dossiers', { exact: true }).count(), 0, 'a case manager has no helper badge');

	// Both pages show the same version; the helper sees the assignee has it open.
	await manager.reload();
	await heading(manager, 'Facturation d’un transport sanitaire').waitFor();
	await aide.reload();
	await aide.getByText('Dossier ouvert en ce moment aussi par : Grace Hopper.').waitFor();

	// Both edit the summary from the same version; the assignee saves first.
	await aide.getByLabel('Résumé').fill('Le texte de l’aide, à ne pas perdre.');
	await manager.getByLabel('Résumé').fill('Le texte de la gestionnaire.');
	await manager.getByRole('button', { name: 'Enregistrer les faits' }).click();
	await manager.getByText('Les faits sont enregistrés.').waitFor();

	await aide.getByRole('button', { name: 'Enregistrer les faits' }).click();
	const conflict = aide.getByRole('form', { name: 'Quelqu’un a enregistré entre-temps' });
	await conflict.waitFor();
	await conflict.getByText('Le texte de l’aide, à ne pas perdre.').waitFor();
	await conflict.getByText('Le texte de la gestionnaire.').waitFor();
	assert.equal(await aide.getByLabel('Résumé').inputValue(), 'Le texte de l’aide, à ne pas perdre.', 'the typed text is kept');
	assert.equal(takeFailedResponses(browser.problems, `/api/cases/${created.id}`, 412), 1);
	assert.ok(await conflict.getByLabel('Garder ma version').isChecked());
	await conflict.getByRole('button', { name: 'Enregistrer avec ces choix' }).click();
	await aide.getByText('Les faits sont enregistrés.').waitFor();
	assert.equal(await conflict.count(), 0);

	const saved = await call('GET', `/api/cases/${created.id}`, { token });
	assert.equal(saved.summary, 'Le texte de l’aide, à ne pas perdre.');
	assert.equal(saved.version, created.version + 2);

	await assertClean();
});

test('(c) in English: an editor creates a case file, closes it and downloads its report', async () => {
	const page = await newPage();
	await logIn(page, english);
	await page.getByRole('heading', { name: 'My case files' }).waitFor();
	await page.getByRole('link', { name: 'Create my first case file' }).click();
	await heading(page, 'New case file').waitFor();
	await page.getByText('Do not write the name, e-mail address').waitFor();
	await page.getByLabel('Title').fill('Delay in answering a complaint');
	await page.getByLabel('Category').selectOption({ index: 1 });
	await page.getByLabel('Summary').fill('No answer after two reminders.');
	await page.getByRole('button', { name: 'Create the case file' }).click();
	await heading(page, 'Delay in answering a complaint').waitFor();

	await move(page, 'Open the case file');
	await page.getByText('The case file is now “Open”.').waitFor();
	await page.getByLabel('New note').fill('Reminder sent by post.');
	await page.getByRole('button', { name: 'Add the note' }).click();
	await page.getByText('Note by Alan Turing').waitFor();
	await move(page, 'Close the case file', { outcome: 'Partly obtained' });
	await page.getByText('The case file is now “Closed”.').waitFor();
	await page.getByText('Alan Turing moved the case file from “Open” to “Closed”.').waitFor();
	const report = await downloadFrom(page, page.getByRole('button', { name: 'Download the report (PDF)' }));
	assert.equal(report.head, '%PDF-');

	await page.getByRole('link', { name: 'Case files', exact: true }).click();
	await page.getByText('1 case file', { exact: true }).waitFor();

	await assertClean();
});

test('(d) an admin adds a category, meets a duplicate, and adds the birth and maternity preset', async () => {
	const page = await newPage();
	await logIn(page, admin);
	await page.getByRole('heading', { name: 'Accueil', level: 1 }).waitFor();
	await open(page, `${server.baseURL}/admin/categories`);
	await heading(page, 'Catégories de dossiers').waitFor();
	// A fresh instance: the neutral set for appeals and complaints, one column per language.
	await page.getByRole('cell', { name: 'Santé et soins', exact: true }).waitFor();
	await page.getByRole('cell', { name: 'Health and care', exact: true }).waitFor();
	assert.equal(await page.getByRole('cell', { name: 'Déroulement de l’accouchement' }).count(), 0);
	// Buttons say what they do in a word or two: no lone quotation mark on a line of its own.
	await page.getByRole('button', { name: 'Renommer Santé et soins', exact: true }).waitFor();
	for (const text of await page.getByRole('button', { name: /^Renommer/ }).allTextContents()) assert.ok(!text.includes('«'), text);

	// A duplicate, whatever its capitals and accents, is refused on its field.
	await page.getByLabel('Libellé — Français').fill('SANTE et Soins');
	await page.getByLabel('Libellé — English').fill('Care');
	await page.getByRole('button', { name: 'Ajouter la catégorie' }).click();
	await page.getByText('Une autre catégorie porte déjà ce libellé').waitFor();
	assert.equal(await page.getByLabel('Libellé — Français').getAttribute('aria-invalid'), 'true');
	await page.getByLabel('Libellé — Français').fill('Transports scolaires');
	await page.getByRole('button', { name: 'Ajouter la catégorie' }).click();
	await page.getByText('Catégorie « Transports scolaires » ajoutée.').waitFor();

	// The birth and maternity set is a preset; adding it adds what is missing, once.
	await page.getByRole('heading', { name: 'Naissance et maternité', level: 3 }).waitFor();
	await page.getByRole('button', { name: 'Ajouter les 9 catégories de « Naissance et maternité »' }).click();
	await page.getByText('9 catégories de « Naissance et maternité » ajoutées.').waitFor();
	await page.getByRole('cell', { name: 'Déroulement de l’accouchement', exact: true }).waitFor();
	await page.getByText('L’instance a déjà toutes ces catégories.').first().waitFor();

	assert.equal(takeFailedResponses(browser.problems, '/api/categories', 422), 1, 'the refused duplicate');
	await assertClean();
});

test('(e) in German: the header switch, then an editor whose language is German creates, moves and reports a case file', async () => {
	const page = await newPage();
	// Before logging in, the header's switch turns the page German.
	await open(page, `${server.baseURL}/login`);
	await page.getByRole('button', { name: 'DE – Deutsch' }).click();
	await heading(page, 'Anmelden').waitFor();
	assert.equal(await page.locator('html').getAttribute('lang'), 'de');
	await logIn(page, german, { email: 'E-Mail-Adresse', password: 'Passwort', submit: 'Anmelden' });
	await page.getByRole('heading', { name: 'Meine Dossiers' }).waitFor();
	await page.getByRole('link', { name: 'Mein erstes Dossier erstellen' }).click();
	await heading(page, 'Neues Dossier').waitFor();
	await page.getByText('Schreiben Sie weder Namen noch E-Mail-Adresse').waitFor();
	await page.getByLabel('Titel').fill('Verzögerte Antwort auf eine Beschwerde');
	// The categories speak German too.
	await page.getByLabel('Kategorie').selectOption({ label: 'Gesundheit und Pflege' });
	await page.getByLabel('Zusammenfassung').fill('Keine Antwort nach zwei Mahnungen.');
	await page.getByRole('button', { name: 'Dossier erstellen' }).click();
	await heading(page, 'Verzögerte Antwort auf eine Beschwerde').waitFor();

	const panel = page.getByRole('region', { name: 'Das Dossier weiterführen' });
	await panel.getByLabel('Dossier eröffnen', { exact: true }).check();
	await panel.getByRole('button', { name: 'Status ändern' }).click();
	await page.getByText('Das Dossier ist jetzt „Offen“.').waitFor();
	await page.getByText('Emmy Noether hat das Dossier von „Entwurf“ auf „Offen“ gesetzt.').waitFor();
	const report = await downloadFrom(page, page.getByRole('button', { name: 'Bericht herunterladen (PDF)' }));
	assert.equal(report.head, '%PDF-');

	await assertClean();
});
