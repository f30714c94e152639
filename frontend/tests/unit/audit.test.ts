import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/lib/apiTypes';
import { actionGroups, actionLabel, auditActions, auditSentence } from '../../src/lib/audit';
import { catalogues, locales, setLocale } from '../../src/lib/i18n/locale.svelte';

const entry = (over: Partial<AuditEntry>): AuditEntry => ({
	id: 1,
	at: '2026-03-01T09:00:00Z',
	actor_id: 'a1',
	actor_name: 'Claire Martin',
	action: 'case.created',
	object_type: 'case',
	object_id: 'c1',
	object_label: 'R-2026-GN57F',
	reason: '',
	client_ip: '127.0.0.1',
	names: {},
	...over
});

afterEach(() => setLocale('fr'));

describe('auditSentence', () => {
	it('writes who entrusted which case file to whom, with the reason', () => {
		const assigned = entry({
			action: 'case.assignees',
			details: '{"added":["p1"],"removed":[]}',
			names: { p1: 'Paul Durand' },
			reason: 'Retour de congé de Léa'
		});
		expect(auditSentence(assigned)).toBe('Claire Martin a confié le dossier R-2026-GN57F à Paul Durand — motif : Retour de congé de Léa');
		setLocale('en');
		expect(auditSentence(assigned)).toBe('Claire Martin entrusted the case file R-2026-GN57F to Paul Durand — reason: Retour de congé de Léa');
	});

	it('words statuses, roles, fields and helper kinds, never their codes', () => {
		const moved = auditSentence(entry({ action: 'case.transition', details: '{"from":"open","to":"litigation"}' }));
		expect(moved).toBe('Claire Martin a fait passer le dossier R-2026-GN57F de « Ouvert » à « Contentieux ».');
		const role = auditSentence(
			entry({ action: 'account.updated', object_type: 'account', object_label: 'Paul Durand', details: '{"role_from":"reader","role_to":"editor"}' })
		);
		expect(role).toBe('Claire Martin a changé le rôle de Paul Durand : « Lecteur·rice » → « Gestionnaire de dossiers ».');
		const changed = auditSentence(entry({ action: 'case.updated', details: '{"fields":["title","facts_date"]}' }));
		expect(changed).toBe('Claire Martin a modifié le dossier R-2026-GN57F : Titre, Date des faits.');
		const helper = auditSentence(
			entry({ action: 'collaboration.invited', object_type: 'grant', object_id: 'g1', details: '{"case":"c1","kind":"trainee"}', names: { c1: 'R-2026-GN57F' } })
		);
		expect(helper).toBe('Claire Martin a invité une personne à aider sur le dossier R-2026-GN57F (Stagiaire).');
		for (const sentence of [moved, role, changed, helper]) expect(sentence).not.toMatch(/[a-z]+_[a-z]+|litigation|editor|trainee/);
	});

	it('names a mandate’s holder, role and scope, and an organisation or a unit by name', () => {
		const mandate = entry({
			action: 'membership.created',
			object_type: 'membership',
			object_id: 'm1',
			object_label: '',
			unit_id: 'u1',
			org_id: 'o1',
			details: '{"account":"p1","role":"editor"}',
			names: { p1: 'Paul Durand', u1: 'Antenne de Lyon', o1: 'Réseau Santé' }
		});
		expect(auditSentence(mandate)).toBe('Claire Martin a donné à Paul Durand le rôle « gestionnaire de dossiers » dans « Antenne de Lyon ».');
		setLocale('en');
		expect(auditSentence(mandate)).toBe('Claire Martin gave Paul Durand the role “case manager” in “Antenne de Lyon”.');
		setLocale('fr');
		const invited = auditSentence(entry({ ...mandate, action: 'membership.revoked', details: '{"role":"member"}', unit_id: undefined }));
		expect(invited).toBe('Claire Martin a retiré une invitation à rejoindre « Réseau Santé ».');
		expect(auditSentence(entry({ action: 'unit.created', object_type: 'unit', object_id: 'u1', object_label: 'Antenne de Lyon' }))).toBe(
			'Claire Martin a créé l’unité « Antenne de Lyon ».'
		);
	});

	it('names the system, someone not logged in, and what no longer exists', () => {
		expect(auditSentence(entry({ action: 'collaboration.expired', actor_id: '', actor_name: '', client_ip: 'system', object_type: 'grant', details: '' }))).toBe(
			'L’accès d’une personne qui aidait sur un dossier a pris fin à la date prévue.'
		);
		expect(auditSentence(entry({ action: 'account.registered', actor_id: '', actor_name: '', object_type: 'account', object_label: 'Zoé' }))).toBe(
			'Zoé s’est inscrit·e.'
		);
		expect(auditSentence(entry({ action: 'session.login', actor_name: '' }))).toBe('un compte disparu s’est connecté·e.');
	});

	it('has a sentence and a label for every action in every language', () => {
		for (const locale of locales) {
			for (const action of auditActions) {
				expect(catalogues[locale][`audit.sentence.${action}` as keyof (typeof catalogues)['fr']], `${locale} ${action}`).toBeTruthy();
				expect(catalogues[locale][`audit.action.${action}` as keyof (typeof catalogues)['fr']], `${locale} ${action}`).toBeTruthy();
			}
		}
	});
});

describe('the action filter', () => {
	it('offers every action, under its family', () => {
		const offered = actionGroups().flatMap((group) => group.actions.map((action) => action.value));
		expect(offered.sort()).toEqual([...auditActions].sort());
		expect(actionGroups().map((group) => group.family)).toEqual([
			'account.',
			'session.',
			'role_request.',
			'case.',
			'collaboration.',
			'category.',
			'outbox.',
			'org.',
			'unit.',
			'membership.',
			'transfer.',
			'message.',
			'document.',
			'functions.',
			'instance.',
			'change_request.',
			'inspection.',
			'import.'
		]);
		expect(actionLabel('case.')).toBe('Dossiers');
		expect(actionLabel('no.such')).toBe('Autre action');
	});
});
