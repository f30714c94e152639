// Importing members from a CSV end to end, against the real binary with no SMTP host (e-mails
// are read from its log): an organisation's administrator opens the import wizard from the
// organisation's page, previews a file with a line in error (nothing can be applied), then a
// corrected one, applies it, and sees the result; the people created get their invitations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiClient, assertClean as assertCleanIn, openPage as open, useInstance } from './harness.mjs';

const instance = useInstance();
const superadmin = { name: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery', locale: 'fr' };
const orgAdmin = { name: 'Émilie du Châtelet', email: 'emilie@example.org', password: 'institutions de physique', locale: 'fr' };
const reason = 'Décision du bureau du 12 mars';

const bom = '\uFEFF';
// As a French spreadsheet exports it: BOM, semicolons, CRLF, a quoted cell holding a semicolon.
const withError = `${bom}external_id;email;name;unit_code;role;functions\r\nS-1;lina@example.org;Lina Haddad;;member;president\r\nS-2;marc@example.org;"Marc; dit Marco";SUD-01;editor;\r\nS-3;x@example.org;Inconnu;NOPE;member;\r\n`;
const corrected = `${bom}external_id;email;name;unit_code;role;functions\r\nS-1;lina@example.org;Lina Haddad;;member;president\r\nS-2;marc@example.org;"Marc; dit Marco";SUD-01;editor;\r\n`;

test('an organisation’s administrator previews a roster, corrects it, applies it and sees the result', async () => {
	const { server, browser } = instance;
	const api = apiClient(server);
	const adminToken = await api.setUp(superadmin);
	// The organisation, its administrator (registered through the e-mailed invitation) and a unit.
	let since = server.mark();
	const org = await api.call('POST', '/api/orgs', {
		token: adminToken,
		body: { name: 'Réseau Sud', code: 'SUD', admin_email: orgAdmin.email, reason }
	});
	const link = await server.waitForLink({ to: orgAdmin.email, path: '/invitation', since });
	await api.call('POST', '/api/auth/register', {
		body: { email: orgAdmin.email, name: orgAdmin.name, password: orgAdmin.password, pledge: true, locale: 'fr', invitation: new URL(link).hash.slice('#token='.length) }
	});
	const orgToken = await api.login(orgAdmin);
	const unit = await api.call('POST', `/api/orgs/${org.id}/units`, {
		token: orgToken,
		body: { name: 'École du Sud', code: 'SUD-01', contact_email: 'ecole@example.org', reason }
	});

	const { page } = browser;
	await open(page, `${server.baseURL}/login`);
	await page.getByLabel('Adresse e-mail').fill(orgAdmin.email);
	await page.getByLabel('Mot de passe').fill(orgAdmin.password);
	await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
	await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Organisations' }).click();
	await page.getByRole('link', { name: 'Réseau Sud' }).click();
	await page.getByRole('heading', { level: 1, name: 'Réseau Sud' }).waitFor();
	await page.getByRole('link', { name: 'Importer des membres depuis un fichier CSV' }).click();
	await page.getByRole('heading', { level: 1, name: 'Importer des membres' }).waitFor();
	// The organisation the page came from is chosen.
	assert.equal(await page.getByLabel('Organisation ou unité').inputValue(), `org:${org.id}`);

	// A file with a line in error: the preview names the line and why, and nothing can be applied.
	await page.getByLabel('Fichier CSV').setInputFiles({ name: 'membres.csv', mimeType: 'text/csv', buffer: Buffer.from(withError) });
	await page.getByRole('button', { name: 'Voir l’aperçu' }).click();
	await page.getByText('Aperçu, rien n’a changé').waitFor();
	const errorRow = page.getByRole('row').filter({ hasText: 'S-3' });
	await errorRow.getByText('Aucune unité ouverte de ce périmètre n’a ce code.').waitFor();
	assert.equal(await errorRow.getByRole('cell').first().textContent(), '4');
	await page.getByText('1 ligne(s) en erreur').waitFor();
	assert.equal(await page.getByRole('button', { name: 'Appliquer l’import' }).count(), 0);
	// Filtered by fate.
	await page.getByRole('link', { name: 'En erreur 1' }).click();
	await page.getByRole('row').filter({ hasText: 'S-1' }).waitFor({ state: 'detached' });
	assert.equal(await page.getByRole('row').count(), 2, 'the header and the line in error');

	// The corrected file: two people created, applied, invited.
	await page.getByRole('button', { name: 'Importer un autre fichier' }).click();
	await page.getByLabel('Fichier CSV').setInputFiles({ name: 'membres.csv', mimeType: 'text/csv', buffer: Buffer.from(corrected) });
	await page.getByRole('button', { name: 'Voir l’aperçu' }).click();
	await page.getByRole('link', { name: 'Créées 2' }).waitFor();
	await page.getByRole('row').filter({ hasText: 'Marc; dit Marco' }).getByText('Créées').waitFor();
	since = server.mark();
	await page.getByRole('button', { name: 'Appliquer l’import' }).click();
	await page.getByText('Import appliqué : 2 créé(s), 0 modifié(s), 0 terminé(s), 0 inchangé(s).').waitFor();
	await page.getByText('Appliqué', { exact: true }).waitFor();
	for (const to of ['lina@example.org', 'marc@example.org']) await server.waitForLink({ to, path: '/invitation', since });

	// The organisation's members and the unit's show them.
	const members = await api.call('GET', `/api/orgs/${org.id}/members`, { token: orgToken });
	assert.ok(members.items.some((m) => m.email === 'lina@example.org' && m.functions.includes('president')));
	assert.ok((await api.call('GET', `/api/units/${unit.id}/members`, { token: orgToken })).items.some((m) => m.email === 'marc@example.org' && m.role === 'editor'));

	// Next roster: Marc has left. Ending more than a fifth of the mandates needs a confirmation.
	await page.getByRole('button', { name: 'Importer un autre fichier' }).click();
	const nextRoster = `external_id,email,name,role,functions\nS-1,lina@example.org,Lina Haddad,member,president\n`;
	await page.getByLabel('Fichier CSV').setInputFiles({ name: 'membres-2027.csv', mimeType: 'text/csv', buffer: Buffer.from(nextRoster) });
	await page.getByRole('button', { name: 'Voir l’aperçu' }).click();
	await page.getByRole('link', { name: 'Terminées 1' }).waitFor();
	await page.getByRole('row').filter({ hasText: 'marc@example.org' }).getByText('Terminées').waitFor();
	await page.getByRole('link', { name: 'Inchangées 1' }).waitFor();
	await page.getByRole('button', { name: 'Appliquer l’import' }).click();
	await page.getByText('Ce champ est obligatoire.').waitFor();
	await page.getByLabel(/Je confirme que ce fichier termine 1 des \d+ mandats en cours/).check();
	await page.getByRole('button', { name: 'Appliquer l’import' }).click();
	await page.getByText('Import appliqué : 0 créé(s), 0 modifié(s), 1 terminé(s), 1 inchangé(s).').waitFor();
	const unitMembers = (status) => api.call('GET', `/api/units/${unit.id}/members?status=${status}`, { token: orgToken });
	assert.ok(!(await unitMembers('current')).items.some((m) => m.email === 'marc@example.org'), 'Marc’s mandate is over');
	assert.ok((await unitMembers('ended')).items.some((m) => m.email === 'marc@example.org'), 'and kept, ended');
	await assertCleanIn({ contexts: [browser.context], pages: [page], problems: browser.problems });
});
