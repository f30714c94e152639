import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Category } from '../../src/lib/apiTypes';
import { api, dispositionFilename, etagVersion, ifMatchHeader } from '../../src/lib/api';
import {
	categoryLabel,
	changedFacts,
	factsOf,
	formatSize,
	mergeFacts,
	resolveConflicts,
	transitionLabel,
	type Facts
} from '../../src/lib/cases';
import { hasMessage } from '../../src/lib/i18n/locale.svelte';
import { startPresence } from '../../src/lib/presence.svelte';
import { signIn, signOut } from '../../src/lib/session.svelte';

const facts = (change: Partial<Facts> = {}): Facts => ({
	title: 'Titre',
	category_id: 'soins',
	summary: 'Départ',
	facts_date: '',
	place: 'CHU',
	...change
});

describe('merging edits with a version saved meanwhile', () => {
	it('reads a case file into form values, a missing date as empty', () => {
		expect(factsOf({ title: 'T', category_id: 'c', summary: 's', facts_date: null, place: 'p' })).toEqual({
			title: 'T',
			category_id: 'c',
			summary: 's',
			facts_date: '',
			place: 'p'
		});
	});

	it('sends only what the person changed', () => {
		expect(changedFacts(facts(), facts({ summary: 'Nouveau', facts_date: '2026-01-02' }))).toEqual({
			summary: 'Nouveau',
			facts_date: '2026-01-02'
		});
		expect(changedFacts(facts(), facts())).toEqual({});
	});

	it('merges by itself what only one side changed', () => {
		const { merged, conflicts } = mergeFacts(facts(), facts({ summary: 'Le mien' }), facts({ place: 'Clinique' }));
		expect(conflicts).toEqual([]);
		expect(merged).toEqual(facts({ summary: 'Le mien', place: 'Clinique' }));
	});

	it('is no conflict when both wrote the same', () => {
		const { conflicts } = mergeFacts(facts(), facts({ title: 'Pareil' }), facts({ title: 'Pareil' }));
		expect(conflicts).toEqual([]);
	});

	it('shows both versions of a field both changed, keeping the typed text until a choice', () => {
		const { merged, conflicts } = mergeFacts(
			facts(),
			facts({ summary: 'Le mien', title: 'Mon titre' }),
			facts({ summary: 'Le sien', place: 'Clinique' })
		);
		expect(conflicts).toEqual([{ field: 'summary', mine: 'Le mien', theirs: 'Le sien' }]);
		expect(merged).toEqual(facts({ summary: 'Le mien', title: 'Mon titre', place: 'Clinique' }));
		expect(resolveConflicts(merged, conflicts, {}).summary).toBe('Le mien');
		expect(resolveConflicts(merged, conflicts, { summary: 'theirs' })).toEqual(
			facts({ summary: 'Le sien', title: 'Mon titre', place: 'Clinique' })
		);
	});

	it('keeps a field the person cleared as a change of theirs', () => {
		const { conflicts, merged } = mergeFacts(facts({ facts_date: '2026-01-01' }), facts({ facts_date: '' }), facts({ facts_date: '2026-02-02' }));
		expect(conflicts).toEqual([{ field: 'facts_date', mine: '', theirs: '2026-02-02' }]);
		expect(merged.facts_date).toBe('');
	});
});

describe('vocabulary', () => {
	it('names a transition after where the case file comes from', () => {
		expect(transitionLabel('draft', 'open')).toBe('case.move.open');
		expect(transitionLabel('closed', 'open')).toBe('case.move.reopen');
		expect(transitionLabel('archived', 'closed')).toBe('case.move.unarchive');
		expect(transitionLabel('litigation', 'closed')).toBe('case.move.closed');
		for (const to of ['pending', 'litigation', 'archived'] as const) expect(hasMessage(transitionLabel('open', to))).toBe(true);
	});

	it('labels a category in the reader’s language, else the instance’s, its id when unknown', () => {
		const categories: Category[] = [
			{ id: 'soins', labels: { fr: 'Soins', en: 'Care', de: 'Pflege' }, active: true, position: 1 },
			{ id: 'ecole', labels: { de: 'Schule', en: 'School' }, active: true, position: 2 }
		];
		expect(categoryLabel(categories, 'soins', 'fr')).toBe('Soins');
		expect(categoryLabel(categories, 'soins', 'en')).toBe('Care');
		expect(categoryLabel(categories, 'soins', 'it')).toBe('Soins');
		expect(categoryLabel(categories, 'ecole', 'fr', 'de')).toBe('Schule');
		expect(categoryLabel(categories, 'ecole', 'fr')).toBe('Schule');
		expect(categoryLabel(categories, 'autre', 'en')).toBe('autre');
	});

	it('writes file sizes for people', () => {
		expect(formatSize(512, 'en')).toBe('512 B');
		expect(formatSize(1536, 'en')).toBe('1.5 KB');
		expect(formatSize(1536, 'fr')).toBe('1,5 Ko');
	});
});

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

const detail = { id: 'c1', reference: 'R-2026-AAAAA', title: 'T', category_id: 'soins', summary: '', facts_date: null, place: '', status: 'open', outcome: null, version: 3, assignees: [], collaborators: null, permissions: { edit: true, transitions: null, delete: false, assign: false, invite: true, report: true, relation: 'assignee' } };

describe('versions in the API client', () => {
	let fetchMock: ReturnType<typeof vi.fn>;
	beforeEach(() => {
		fetchMock = vi.fn();
		vi.stubGlobal('fetch', fetchMock);
		signIn('tok', { id: 'u1', email: 'a@example.org', name: 'A', role: 'editor', status: 'active', locale: 'fr', created_at: '' });
	});
	afterEach(() => {
		vi.unstubAllGlobals();
		signOut();
	});

	it('reads and writes ETags the way the server does', () => {
		expect(ifMatchHeader(7)).toBe('"7"');
		expect(etagVersion('"7"')).toBe(7);
		expect(etagVersion('W/"12"')).toBe(12);
		expect(etagVersion(null)).toBeNull();
		expect(etagVersion('"abc"')).toBeNull();
	});

	it('takes the version from the ETag and sends it back in If-Match', async () => {
		fetchMock.mockResolvedValueOnce(json(200, detail, { ETag: '"4"' }));
		const got = await api.getCase('c1');
		expect(got.version).toBe(4);
		expect(got.collaborators).toEqual([]);
		expect(got.permissions.transitions).toEqual([]);

		fetchMock.mockResolvedValueOnce(json(200, { ...detail, summary: 'x', version: 5 }, { ETag: '"5"' }));
		await api.updateCase('c1', got.version, { summary: 'x' });
		const [path, init] = fetchMock.mock.calls[1];
		expect(path).toBe('/api/cases/c1');
		expect(init.method).toBe('PATCH');
		expect(new Headers(init.headers).get('If-Match')).toBe('"4"');
		expect(JSON.parse(init.body)).toEqual({ summary: 'x' });
	});

	it('reports a stale version as version_mismatch', async () => {
		fetchMock.mockResolvedValueOnce(json(412, { error: { code: 'version_mismatch', message: 'stale' } }));
		await expect(api.transitionCase('c1', 2, { to: 'closed', outcome: 'obtained', comment: '' })).rejects.toMatchObject({
			status: 412,
			code: 'version_mismatch'
		});
	});

	it('uploads a file as multipart without a JSON content type', async () => {
		fetchMock.mockResolvedValueOnce(json(201, { id: 'a1', filename: 'f.pdf' }));
		await api.addAttachment('c1', new File(['%PDF-'], 'f.pdf', { type: 'application/pdf' }));
		const init = fetchMock.mock.calls[0][1];
		expect(init.body).toBeInstanceOf(FormData);
		expect(new Headers(init.headers).has('Content-Type')).toBe(false);
		expect(new Headers(init.headers).get('Authorization')).toBe('Bearer tok');
	});

	it('downloads a file with the bearer token and its name from Content-Disposition', async () => {
		fetchMock.mockResolvedValueOnce(
			new Response('%PDF-1.4', { status: 200, headers: { 'Content-Type': 'application/pdf', 'Content-Disposition': 'attachment; filename=R-2026-AAAAA.pdf' } })
		);
		const file = await api.report('c1', 'R-2026-AAAAA');
		expect(file.filename).toBe('R-2026-AAAAA.pdf');
		expect(await file.blob.text()).toBe('%PDF-1.4');
		expect(new Headers(fetchMock.mock.calls[0][1].headers).get('Authorization')).toBe('Bearer tok');
	});

	it('reads the file names servers write', () => {
		expect(dispositionFilename('attachment; filename="courrier du 3.pdf"', 'x')).toBe('courrier du 3.pdf');
		expect(dispositionFilename("attachment; filename*=utf-8''r%C3%A9ponse.pdf", 'x')).toBe('réponse.pdf');
		expect(dispositionFilename(null, 'x.pdf')).toBe('x.pdf');
	});
});

describe('presence', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('beats at once and then every interval, and stops when asked', async () => {
		const beat = vi.fn(async () => ({ others: [{ name: 'Grace' }], version: 3 }));
		const seen: number[] = [];
		const stop = startPresence('c1', (presence) => seen.push(presence.version), { interval: 1000, beat });
		await vi.advanceTimersByTimeAsync(0);
		expect(beat).toHaveBeenCalledTimes(1);
		expect(beat).toHaveBeenCalledWith('c1');
		await vi.advanceTimersByTimeAsync(2500);
		expect(beat).toHaveBeenCalledTimes(3);
		expect(seen).toEqual([3, 3, 3]);
		stop();
		await vi.advanceTimersByTimeAsync(5000);
		expect(beat).toHaveBeenCalledTimes(3);
	});

	it('skips a failed beat and hands nothing over after the stop', async () => {
		let resolve: (value: { others: []; version: number }) => void = () => {};
		const beat = vi
			.fn()
			.mockRejectedValueOnce(new Error('offline'))
			.mockImplementationOnce(() => new Promise((r) => (resolve = r)));
		const onBeat = vi.fn();
		const stop = startPresence('c1', onBeat, { interval: 1000, beat });
		await vi.advanceTimersByTimeAsync(1000);
		expect(beat).toHaveBeenCalledTimes(2);
		stop();
		resolve({ others: [], version: 9 });
		await vi.advanceTimersByTimeAsync(0);
		expect(onBeat).not.toHaveBeenCalled();
	});
});
