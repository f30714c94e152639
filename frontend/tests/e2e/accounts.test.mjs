// The accounts journey end to end, against the real binary with no SMTP host: e-mails
// are read from its log. One instance for the whole file; the tests run in order and
// build on each other (the superadmin of the first one acts in the next ones).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
	assertClean as assertCleanIn,
	createSuperadmin,
	heading,
	launchBrowser,
	openPage as open,
	startServer,
	submitLogin,
	takeFailedResponses,
	takeSettledFailures
} from './harness.mjs';

let server;
let browser;
const contexts = [];

const superadmin = { name: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery' };
const newcomer = { name: 'Grace Hopper', email: 'grace@example.org', password: 'compiler debugging 1952' };
const invitee = { name: 'Katherine Johnson', email: 'katherine@example.org', password: 'orbital mechanics 1962' };
const english = { name: 'Alan Turing', email: 'alan@example.org', password: 'on computable numbers' };

before(async () => {
	server = await startServer();
	browser = await launchBrowser(server.baseURL);
	contexts.push(browser.context);
});

after(async () => {
	await browser?.close();
	const exit = await server?.stop();
	assert.deepEqual(exit, { code: 0, signal: null }, 'cloison stops cleanly on SIGTERM');
});


async function logIn(page, who, { title = 'Connexion', submit = 'Se connecter' } = {}) {
	const email = /^(Adresse e-mail|E-mail address)$/;
	await submitLogin(page, server.baseURL, who, { title, submit, email, password: /^(Mot de passe|Password)$/ });
}

/** What every test must leave behind: no cookie, the token only in sessionStorage, nothing gone wrong. */
const assertClean = (pages) => assertCleanIn({ contexts, pages, problems: browser.problems });

let adminPage;

test('(a) a newcomer registers, activates, asks for the editor role, and the superadmin grants it', async () => {
	const { page: person } = browser;

	// The superadmin, from the setup link, on a browser of their own. (A second tab of the same
	// window would do for the session, sessionStorage being per tab, but a background tab is
	// throttled by Chromium and every click in it would crawl.)
	const admin = await browser.newContext();
	contexts.push(admin.context);
	adminPage = admin.page;
	await createSuperadmin(adminPage, server.setupURL, superadmin);

	// Registration, with the pledge to sign.
	await open(person, `${server.baseURL}/`);
	await person.getByRole('link', { name: 'Créer un compte' }).click();
	await heading(person, 'Inscription').waitFor();
	await person.getByText('je m’engage à ne communiquer à aucune personne non autorisée').waitFor();
	await person.getByLabel('Nom').fill(newcomer.name);
	await person.getByLabel('Adresse e-mail').fill(newcomer.email);
	await person.getByLabel('Mot de passe', { exact: true }).fill(newcomer.password);
	await person.getByLabel('Confirmation du mot de passe').fill(newcomer.password);
	const since = server.mark();
	await person.getByRole('button', { name: 'Créer mon compte' }).click();
	const pledge = person.getByLabel('J’ai lu cet engagement et je le signe');
	await person.getByText('Ce champ est obligatoire.').waitFor();
	assert.equal(await pledge.getAttribute('aria-invalid'), 'true', 'the pledge must be signed');
	assert.ok(await pledge.evaluate((box) => box === document.activeElement), 'focus goes to the unsigned pledge');
	await pledge.check();
	await person.getByRole('button', { name: 'Créer mon compte' }).click();
	await person.getByRole('heading', { name: 'Vérifiez votre boîte aux lettres' }).waitFor();
	await person.getByText(newcomer.email, { exact: false }).waitFor();
	// Without an SMTP server, the form says where the e-mail went.
	await person.getByText('le message a été affiché dans le journal du serveur au lieu d’être envoyé').waitFor();

	// The activation link from the log; its token leaves the address bar.
	const activation = await server.waitForLink({ to: newcomer.email, path: '/activate', since });
	await open(person, activation);
	await person.getByText('Votre adresse est confirmée et votre compte est actif.').waitFor();
	assert.equal(person.url(), `${server.baseURL}/activate`);
	await person.getByRole('link', { name: 'Se connecter' }).last().click();
	await heading(person, 'Connexion').waitFor();
	// The address just confirmed is filled in.
	assert.equal(await person.getByLabel('Adresse e-mail').inputValue(), newcomer.email);
	await person.getByLabel('Mot de passe').fill(newcomer.password);
	await person.getByRole('button', { name: 'Se connecter', exact: true }).click();

	// A reader sees no case file, and asks for the editor role.
	await person.getByRole('heading', { name: 'Votre compte attend une accréditation' }).waitFor();
	assert.equal(await person.getByRole('navigation', { name: 'Administration' }).count(), 0, 'no administration for a reader');
	await person.getByLabel('Votre message aux administrateurs').fill('Bénévole de l’antenne de Lyon, accord du bureau du 3 mai.');
	await person.getByRole('button', { name: 'Demander le rôle « Gestionnaire de dossiers »' }).click();
	await person.getByText('Votre demande du rôle « Gestionnaire de dossiers » est envoyée.').waitFor();
	await person.getByText('En attente', { exact: true }).waitFor();

	// The superadmin sees the request counted in the navigation, and grants it with a reason.
	await logIn(adminPage, superadmin);
	await heading(adminPage, 'Accueil').waitFor();
	// With no SMTP server, the superadmin's home says so and names the setting.
	await adminPage.getByRole('heading', { name: 'Les e-mails ne partent pas' }).waitFor();
	await adminPage.getByText('Renseignez smtp.host dans la configuration').waitFor();
	const requestsLink = adminPage.getByRole('link', { name: 'Demandes de rôle (1 en attente)' });
	await requestsLink.waitFor();
	await adminPage.getByRole('link', { name: '1 demande de rôle attend une décision' }).waitFor();
	await requestsLink.click();
	await heading(adminPage, 'Demandes de rôle').waitFor();
	await adminPage.getByRole('heading', { name: 'Grace Hopper demande le rôle « Gestionnaire de dossiers »' }).waitFor();
	await adminPage.getByText('Bénévole de l’antenne de Lyon, accord du bureau du 3 mai.').waitFor();
	const reason = adminPage.getByLabel('Motif');
	await reason.fill('court');
	await adminPage.getByRole('button', { name: 'Accorder le rôle « Gestionnaire de dossiers »' }).click();
	await adminPage.getByText('Au moins 10 caractères.', { exact: true }).waitFor();
	await reason.fill('Accord du bureau du 3 mai');
	await adminPage.getByRole('button', { name: 'Accorder le rôle « Gestionnaire de dossiers »' }).click();
	await adminPage.getByText('Rôle « Gestionnaire de dossiers » accordé à Grace Hopper.').waitFor();
	await adminPage.getByRole('link', { name: 'Demandes de rôle', exact: true }).waitFor();

	// The outbox tells printed e-mails from sent ones, and the test e-mail says where it went.
	await adminPage.getByRole('link', { name: 'Accueil', exact: true }).click();
	await adminPage.getByRole('link', { name: 'Vérifier l’envoi des e-mails' }).click();
	await heading(adminPage, 'Courriels').waitFor();
	const statusTags = adminPage.getByRole('table').locator('.tag');
	await statusTags.filter({ hasText: /^Affiché dans le journal$/ }).first().waitFor();
	assert.equal(await statusTags.filter({ hasText: /^Envoyé$/ }).count(), 0, 'nothing is called sent');
	await adminPage.getByText('Confirmation d’adresse', { exact: true }).first().waitFor();
	await adminPage.getByRole('button', { name: 'Envoyer l’e-mail de test' }).click();
	await adminPage.getByText('l’e-mail de test a été affiché dans le journal du serveur, pas envoyé').waitFor();
	assert.match(server.output(), /E-mail de test/, 'the test e-mail is printed like any other');

	// The newcomer, after a reload, is a case manager.
	await person.reload();
	await person.getByRole('heading', { name: 'Mes dossiers' }).waitFor();
	assert.equal(await person.getByRole('heading', { name: 'Votre compte attend une accréditation' }).count(), 0);
	await person.getByRole('link', { name: 'Mon compte' }).click();
	await heading(person, 'Mon compte').waitFor();
	await person.getByText('Gestionnaire de dossiers', { exact: true }).first().waitFor();
	await person.getByText('Acceptée', { exact: true }).waitFor();
	await person.getByText('Cette session', { exact: true }).waitFor();

	await assertClean([person, adminPage]);
});

test('(b) the superadmin invites an editor, who joins through the invitation link', async () => {
	const { context } = browser;

	await adminPage.getByRole('link', { name: 'Personnes' }).click();
	await heading(adminPage, 'Personnes').waitFor();
	await adminPage.getByRole('cell', { name: newcomer.email }).waitFor();

	const invite = adminPage.getByRole('region', { name: 'Inviter une personne' });
	await invite.getByLabel('Adresse e-mail').fill(invitee.email);
	await invite.getByLabel('Nom').fill(invitee.name);
	await invite.getByLabel('Rôle').selectOption('editor');
	await invite.getByLabel('Motif').fill('Coordinatrice recrutée, accord du bureau du 10 mai');
	const since = server.mark();
	await invite.getByRole('button', { name: 'Envoyer l’invitation' }).click();
	await invite.getByText(`Invitation envoyée à ${invitee.email}.`).waitFor();
	await adminPage.getByRole('cell', { name: invitee.email }).waitFor();

	// The same e-mail twice: the server's field error lands on the field.
	await invite.getByLabel('Adresse e-mail').fill(newcomer.email);
	await invite.getByLabel('Nom').fill('Someone Else');
	await invite.getByLabel('Motif').fill('Un doublon pour voir le refus');
	await invite.getByRole('button', { name: 'Envoyer l’invitation' }).click();
	await invite.getByText('Cette adresse e-mail a déjà un compte.').waitFor();
	assert.equal(takeFailedResponses(browser.problems, '/api/users', 422), 1);

	// The invitation link, opened in a fresh tab: the e-mail is the invited one and cannot change.
	const link = await server.waitForLink({ to: invitee.email, path: '/invitation', since });
	const guest = await context.newPage();
	await open(guest, link);
	await heading(guest, 'Invitation').waitFor();
	assert.equal(guest.url(), `${server.baseURL}/invitation`, 'the token leaves the address bar');
	await guest.getByText('Ada Lovelace vous invite à rejoindre').waitFor();
	const email = guest.getByLabel('Adresse e-mail invitée');
	assert.equal(await email.inputValue(), invitee.email);
	assert.equal(await email.getAttribute('readonly'), '');
	await guest.getByLabel('Nom').fill(invitee.name);
	await guest.getByLabel('Mot de passe', { exact: true }).fill(invitee.password);
	await guest.getByLabel('Confirmation du mot de passe').fill(invitee.password);
	await guest.getByLabel('J’ai lu cet engagement et je le signe').check();
	await guest.getByRole('button', { name: 'Accepter l’invitation' }).click();

	// Sent to log in, the e-mail filled in.
	await heading(guest, 'Connexion').waitFor();
	await guest.getByText('Votre compte est prêt.').waitFor();
	assert.equal(await guest.getByLabel('Adresse e-mail').inputValue(), invitee.email);
	await guest.getByLabel('Mot de passe').fill(invitee.password);
	await guest.getByRole('button', { name: 'Se connecter', exact: true }).click();
	await guest.getByRole('heading', { name: 'Mes dossiers' }).waitFor();
	await guest.getByRole('link', { name: 'Mon compte' }).click();
	await guest.getByText('Gestionnaire de dossiers', { exact: true }).first().waitFor();

	// The invitation and its reason are in the audit log.
	await adminPage.getByRole('link', { name: 'Journal d’audit' }).click();
	await heading(adminPage, 'Journal d’audit').waitFor();
	const invited = adminPage.getByText(
		'Ada Lovelace a invité Katherine Johnson avec le rôle « Gestionnaire de dossiers » — motif : Coordinatrice recrutée, accord du bureau du 10 mai'
	);
	await invited.waitFor();
	// The raw entry is one click away.
	const row = adminPage.getByRole('row').filter({ has: invited });
	await row.getByText('Entrée brute').click();
	await row.getByText('"action": "account.invited"').waitFor();
	// People are picked by name, never pasted as ids.
	await adminPage.getByLabel('Personne concernée').fill('Kath');
	await adminPage.getByRole('button', { name: 'Katherine Johnson' }).click();
	await adminPage.getByRole('button', { name: 'Filtrer', exact: true }).click();
	// Her acceptance was on the page before filtering too: wait for the filtered list itself.
	await adminPage.waitForURL(/object_type=account/);
	await adminPage.getByText('Grace Hopper', { exact: false }).first().waitFor({ state: 'detached' });
	await adminPage.getByText('Katherine Johnson a accepté son invitation.').waitFor();
	assert.equal(await adminPage.getByText('Grace Hopper', { exact: false }).count(), 0, 'only Katherine’s entries');
	await adminPage.getByRole('button', { name: 'Vérifier la chaîne' }).click();
	await adminPage.getByText(/La chaîne est intacte : \d+ entrées vérifiées\./).waitFor();

	await assertClean([adminPage, guest]);
	await guest.close();
});

test('(c) the same journey in English', async () => {
	const { context, page } = await browser.newContext();
	contexts.push(context);

	await open(page, `${server.baseURL}/register`);
	await page.getByRole('button', { name: 'EN – English' }).click();
	await heading(page, 'Register').waitFor();
	assert.equal(await page.getAttribute('html', 'lang'), 'en');
	// The pledge follows the language.
	await page.getByText('I undertake not to disclose the content of the case files').waitFor();
	await page.getByLabel('Name').fill(english.name);
	await page.getByLabel('E-mail address').fill(english.email);
	await page.getByLabel('Password', { exact: true }).fill(english.password);
	await page.getByLabel('Confirm password').fill(english.password);
	await page.getByLabel('I have read this pledge and I sign it').check();
	const since = server.mark();
	await page.getByRole('button', { name: 'Create my account' }).click();
	await page.getByRole('heading', { name: 'Check your mailbox' }).waitFor();

	await open(page, await server.waitForLink({ to: english.email, path: '/activate', since }));
	await page.getByText('Your address is confirmed and your account is active.').waitFor();
	await logIn(page, english, { title: 'Log in', submit: 'Log in' });
	await page.getByRole('heading', { name: 'Your account is waiting for accreditation' }).waitFor();
	await page.getByLabel('Your message to the administrators').fill('Volunteer in Leeds; the board agreed on 5 May.');
	await page.getByRole('button', { name: 'Ask for the role "Case manager"' }).click();
	await page.getByText('Your request for the role "Case manager" has been sent.').waitFor();

	// The superadmin decides in French, in their own tab.
	await open(adminPage, `${server.baseURL}/admin/role-requests`);
	await adminPage.getByRole('heading', { name: 'Alan Turing demande le rôle « Gestionnaire de dossiers »' }).waitFor();
	await adminPage.getByLabel('Motif').fill('Board agreement of 5 May');
	await adminPage.getByRole('button', { name: 'Accorder le rôle « Gestionnaire de dossiers »' }).click();
	await adminPage.getByText('Rôle « Gestionnaire de dossiers » accordé à Alan Turing.').waitFor();

	await page.reload();
	await page.getByRole('heading', { name: 'My case files' }).waitFor();
	assert.equal(await page.getAttribute('html', 'lang'), 'en');

	// Logging out forgets the token on this side too.
	await page.getByRole('button', { name: 'Log out' }).click();
	await heading(page, 'Welcome to Cloison').waitFor();
	assert.deepEqual(await page.evaluate(() => ({ ...sessionStorage })), {});

	await assertClean([page, adminPage]);
});

test('(d) a forgotten password, and an admin’s interventions with the refusals they meet', async () => {
	const { page: person, problems } = browser;

	// Grace forgets her password: the reset link from the log, a common password refused, then a good one.
	await open(person, `${server.baseURL}/forgot`);
	await person.getByLabel('Adresse e-mail').fill(newcomer.email);
	const since = server.mark();
	await person.getByRole('button', { name: 'Envoyer le lien' }).click();
	await person.getByText(`Si un compte actif correspond à ${newcomer.email}`).waitFor();
	await open(person, await server.waitForLink({ to: newcomer.email, path: '/reset', since }));
	assert.equal(person.url(), `${server.baseURL}/reset`, 'the token leaves the address bar');
	await person.getByLabel('Nouveau mot de passe').fill('password123');
	await person.getByLabel('Confirmation du mot de passe').fill('password123');
	await person.getByRole('button', { name: 'Changer le mot de passe' }).click();
	await person.getByText('Ce mot de passe est trop courant : choisissez-en un autre.').waitFor();
	assert.equal(takeFailedResponses(problems, '/api/auth/password/reset', 422), 1);
	newcomer.password = 'a brand new passphrase';
	await person.getByLabel('Nouveau mot de passe').fill(newcomer.password);
	await person.getByLabel('Confirmation du mot de passe').fill(newcomer.password);
	await person.getByRole('button', { name: 'Changer le mot de passe' }).click();
	await person.getByText('Votre mot de passe est changé').waitFor();

	// Sent away from her account page to log in, and brought back to it.
	await open(person, `${server.baseURL}/me`);
	await heading(person, 'Connexion').waitFor();
	await person.getByLabel('Adresse e-mail').fill(newcomer.email);
	await person.getByLabel('Mot de passe').fill(newcomer.password);
	await person.getByRole('button', { name: 'Se connecter', exact: true }).click();
	await heading(person, 'Mon compte').waitFor();
	assert.equal(person.url(), `${server.baseURL}/me`);

	// The superadmin blocks her: her next step sends her back to log in.
	await open(adminPage, `${server.baseURL}/admin/users?q=grace`);
	await adminPage.getByRole('link', { name: newcomer.name }).click();
	await heading(adminPage, newcomer.name).waitFor();
	const block = adminPage.getByRole('region', { name: 'Bloquer' });
	await block.getByLabel('Motif').fill('Signalement examiné par le bureau');
	await block.getByRole('button', { name: 'Bloquer le compte' }).click();
	await adminPage.getByText('Compte bloqué ; ses sessions sont fermées.').waitFor();
	await person.getByRole('link', { name: 'Accueil' }).click();
	await heading(person, 'Connexion').waitFor();
	assert.ok((await takeSettledFailures(person, problems, '/api/me', 401)) >= 1);
	// The home page's own call (her case files), made with the same dead token, may be refused too.
	await takeSettledFailures(person, problems, '/api/me/overview', 401);

	// Another administrator unblocks her meanwhile: unblocking from this page is refused, and says why.
	const id = new URL(adminPage.url()).pathname.split('/').at(-1);
	const call = (method, path, body, token) =>
		fetch(`${server.baseURL}${path}`, {
			method,
			headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
			body: JSON.stringify(body)
		});
	const { token } = await call('POST', '/api/auth/login', { email: superadmin.email, password: superadmin.password }).then((response) =>
		response.json()
	);
	assert.equal((await call('POST', `/api/users/${id}/unblock`, { reason: 'Levée par un autre administrateur' }, token)).status, 200);
	const unblock = adminPage.getByRole('region', { name: 'Débloquer' });
	await unblock.getByLabel('Motif').fill('Levée décidée par le bureau');
	await unblock.getByRole('button', { name: 'Débloquer le compte' }).click();
	await unblock.getByText('Ce compte n’est ni bloqué ni verrouillé : il n’y a rien à débloquer.').waitFor();
	assert.equal(takeFailedResponses(problems, `/api/users/${id}/unblock`, 409), 1);

	// The last superadmin cannot give up the role.
	await open(adminPage, `${server.baseURL}/admin/users?role=superadmin`);
	await adminPage.getByRole('link', { name: superadmin.name }).click();
	await adminPage.getByText('Vous ne pouvez ni bloquer ni désinscrire votre propre compte.').waitFor();
	const role = adminPage.getByRole('region', { name: 'Changer le rôle' });
	await role.getByLabel('Nouveau rôle').selectOption('admin');
	await role.getByLabel('Motif').fill('Passer la main au bureau');
	await role.getByRole('button', { name: 'Changer le rôle' }).click();
	await role.getByText('C’est le dernier superadministrateur actif').waitFor();
	assert.equal(takeFailedResponses(problems, new URL(adminPage.url()).pathname.replace('/admin', '/api'), 409), 1);

	// Deregistering asks for a confirmation first.
	await open(adminPage, `${server.baseURL}/admin/users?q=katherine`);
	await adminPage.getByRole('link', { name: invitee.name }).click();
	const deregister = adminPage.getByRole('region', { name: 'Désinscrire' });
	await deregister.getByLabel('Motif').fill('Départ de l’association');
	await deregister.getByRole('button', { name: 'Désinscrire…' }).click();
	await deregister.getByText(`Désinscrire définitivement ${invitee.name} ?`).waitFor();
	await deregister.getByRole('button', { name: 'Oui, désinscrire' }).click();
	await adminPage.getByText('Compte désinscrit.').waitFor();
	await adminPage.getByText('Ce compte est désinscrit').waitFor();

	await assertClean([person, adminPage]);
});
