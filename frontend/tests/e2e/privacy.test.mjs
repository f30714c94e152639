// The privacy policy, the pledge and the notice end to end, against the real binary (issue 17,
// item 14): the registration page shows the policy beside the pledge, the footer of every page
// opens the policy without logging in, an admin changes the pledge and the next registrant reads
// the new text, and a case manager prints the notice for the person concerned in German.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { apiClient, assertClean, heading, openPage as open, submitLogin, useInstance } from './harness.mjs';

const instance = useInstance();

const superadmin = { name: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery', locale: 'fr' };
const editor = { name: 'Grace Hopper', email: 'grace@example.org', password: 'compiler debugging 1952', locale: 'fr' };


async function logIn(page, who) {
	await submitLogin(page, instance.server.baseURL, who, { title: 'Connexion' });
	await page.waitForURL(`${instance.server.baseURL}/`);
}

test('the policy beside the pledge and in the footer, an edited pledge, and the notice of a case file', async () => {
	const { server, browser } = instance;
	const { call, setUp, invite, login } = apiClient(server);
	const superToken = await setUp(superadmin);
	const contexts = [browser.context];

	// A newcomer: the registration page shows the policy beside the pledge.
	const person = browser.page;
	await open(person, `${server.baseURL}/register`);
	await heading(person, 'Inscription').waitFor();
	await heading(person, 'Politique de confidentialité', 2).waitFor();
	await person.getByText('Vos droits. Vous pouvez accéder aux données de votre dossier').waitFor();
	await person.getByText('je m’engage à ne communiquer à aucune personne non autorisée').waitFor();

	// The footer's link opens the policy, without logging in.
	await person.getByRole('contentinfo').getByRole('link', { name: 'Politique de confidentialité' }).click();
	await heading(person, 'Politique de confidentialité').waitFor();
	assert.equal(person.url(), `${server.baseURL}/privacy`);
	await person.getByText('Qui tient vos données. Cloison utilise Cloison').waitFor();
	// In the reader's language.
	await person.getByRole('button', { name: 'EN – English' }).click();
	await heading(person, 'Privacy policy').waitFor();
	await person.getByText('Your rights. You may access the data of your case file').waitFor();
	await person.getByRole('button', { name: 'FR – Français' }).click();
	await heading(person, 'Politique de confidentialité').waitFor();

	// An admin changes the French pledge, with a reason.
	const admin = await browser.newContext();
	contexts.push(admin.context);
	await logIn(admin.page, superadmin);
	await admin.page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Textes' }).click();
	await heading(admin.page, 'Textes de l’instance').waitFor();
	const pledgeForm = admin.page.getByRole('region', { name: 'Engagement de confidentialité' });
	const french = pledgeForm.getByLabel('Texte en Français');
	await french.waitFor();
	const newPledge = 'Je garde le secret de chaque dossier, et je remets l’avis à chaque personne aidée.';
	await french.fill(newPledge);
	await pledgeForm.getByLabel('Motif').fill('Décision du conseil d’administration du 12 mars');
	await pledgeForm.getByRole('button', { name: 'Enregistrer' }).click();
	await pledgeForm.getByText('Texte enregistré.').waitFor();
	await pledgeForm.getByText('Texte propre à l’instance.').waitFor();

	// The next registrant reads the new text.
	await open(person, `${server.baseURL}/register`);
	await heading(person, 'Inscription').waitFor();
	await person.getByText(newPledge).waitFor();
	assert.equal(await person.getByText('je m’engage à ne communiquer à aucune personne non autorisée').count(), 0);

	// A case manager prints the notice of a case file in the person's language.
	await invite(superToken, editor, 'editor');
	const token = await login(editor);
	const categories = await call('GET', '/api/categories', { token });
	const created = await call('POST', '/api/cases', {
		token,
		body: { title: 'Refus de communication du dossier médical', category_id: categories.items[0].id, summary: 'Demande restée sans réponse.' }
	});
	const manager = await browser.newContext();
	contexts.push(manager.context);
	await logIn(manager.page, editor);
	await open(manager.page, `${server.baseURL}/cases/${created.id}`);
	await heading(manager.page, 'Refus de communication du dossier médical').waitFor();
	const notice = manager.page.getByRole('region', { name: 'Avis à la personne concernée' });
	await notice.getByText('Avis à la personne (PDF)').click();
	await notice.getByLabel('Langue de l’avis').selectOption('de');
	const [download] = await Promise.all([manager.page.waitForEvent('download'), notice.getByRole('button', { name: 'Imprimer l’avis (PDF)' }).click()]);
	assert.equal(download.suggestedFilename(), `${created.reference}-de.pdf`);
	const text = execFileSync('pdftotext', ['-enc', 'UTF-8', await download.path(), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
	for (const words of ['Ihre personenbezogenen Daten', 'Geführt von Cloison', created.reference, 'Ihre Rechte']) {
		assert.ok(text.includes(words), `the notice says ${words}: ${text}`);
	}
	assert.ok(!text.includes('sans réponse'), 'the notice prints nothing of the case file');

	await assertClean({ contexts, pages: [person, admin.page, manager.page], problems: browser.problems });
});
