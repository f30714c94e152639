// Shared pieces for the end-to-end tests: the real Go binary on a free loopback port
// with a fresh data directory, and a headless Chromium that records everything a
// test must reject (console errors, page errors, requests leaving the instance).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

/** Debian's Chromium; browsers cannot be downloaded on these machines. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Headless without a sandbox (containers have no user namespaces), and with every
// background service off so the browser itself makes no request to the outside.
const chromiumArgs = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

async function freePort() {
	const probe = createServer();
	probe.listen(0, '127.0.0.1');
	await once(probe, 'listening');
	const { port } = probe.address();
	probe.close();
	await once(probe, 'close');
	return port;
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Starts `$CLOISON_BIN serve` on a free port with a fresh data directory, waits until
 * it printed its one-time setup link and /api/health answers 200.
 * Returns { baseURL, setupURL, setupToken, dataDir, output(), mark(), waitForLink(), stop() };
 * stop() sends SIGTERM, waits for the exit, removes the data directory and gives the exit status.
 */
export async function startServer({ timeoutMs = 30_000 } = {}) {
	const bin = process.env.CLOISON_BIN;
	if (!bin) throw new Error('CLOISON_BIN must name the cloison binary to test (e.g. go build -o /tmp/cloison .)');

	const port = await freePort();
	const baseURL = `http://127.0.0.1:${port}`;
	const dataDir = await mkdtemp(join(tmpdir(), 'cloison-e2e-'));
	const child = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data', dataDir], {
		env: { ...process.env, CLOISON_SERVER_BASE_URL: baseURL },
		stdio: ['ignore', 'pipe', 'pipe']
	});

	let stdout = '';
	let log = '';
	child.stdout.setEncoding('utf8').on('data', (chunk) => {
		stdout += chunk;
		log += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk) => (log += chunk));
	let exit = null;
	const exited = once(child, 'exit').then(([code, signal]) => (exit = { code, signal }));

	async function stop() {
		if (!exit) {
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
			await exited;
			clearTimeout(timer);
		}
		await rm(dataDir, { recursive: true, force: true });
		return exit;
	}

	const linkPattern = new RegExp(`${baseURL.replace(/[.:/]/g, '\\$&')}/setup#token=([A-Za-z0-9_-]+)`);
	const deadline = Date.now() + timeoutMs;
	let link = null;
	let healthy = false;
	while (!(link && healthy)) {
		if (exit || Date.now() > deadline) {
			await stop();
			throw new Error(`cloison ${exit ? `exited (${JSON.stringify(exit)})` : 'was not ready in time'}:\n${log}`);
		}
		link ??= stdout.match(linkPattern);
		healthy ||= await fetch(`${baseURL}/api/health`).then(
			(response) => response.status === 200,
			() => false
		);
		if (!(link && healthy)) await sleep(100);
	}

	/** A position in the log: waitForLink({ since }) then looks only at what came after it. */
	const mark = () => log.length;

	/**
	 * With no SMTP host the server prints each e-mail to its log, one line per message with
	 * its recipient and links. Waits for the e-mail to `to` that holds a `${baseURL}${path}#token=…`
	 * link, printed after `since`, and returns that link (the last one if several came).
	 */
	async function waitForLink({ to, path, since = 0, timeoutMs = 10_000 }) {
		const recipient = new RegExp(`\\bto(?:=|":)"?${escapeRegExp(to)}"?(?=[\\s,}]|$)`);
		const linkPattern = new RegExp(`${escapeRegExp(baseURL + path)}#token=[A-Za-z0-9_-]+`, 'g');
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const lines = log.slice(since).split('\n').filter((line) => recipient.test(line));
			const links = lines.flatMap((line) => line.match(linkPattern) ?? []);
			if (links.length > 0) return links.at(-1);
			if (exit || Date.now() > deadline) {
				throw new Error(`no e-mail to ${to} with a ${path} link in the log:\n${log.slice(since)}`);
			}
			await sleep(50);
		}
	}

	return { baseURL, setupURL: link[0], setupToken: link[1], dataDir, output: () => log, mark, waitForLink, stop };
}

/**
 * Launches Chromium with one context and page for baseURL. Every request to another
 * origin is recorded and aborted; console errors and uncaught page errors are recorded.
 * Each page of a context is a tab with its own sessionStorage, so its own login; a
 * context of its own (newContext) also has its own localStorage (the language choice).
 * Returns { browser, context, page, problems, newContext(), close() }; newContext()
 * gives { context, page }, watched into the same problems.
 */
export async function launchBrowser(baseURL) {
	const origin = new URL(baseURL).origin;
	const problems = { consoleErrors: [], pageErrors: [], outsideRequests: [] };
	const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
	const watch = (page) => {
		page.on('console', (message) => {
			if (message.type() === 'error') problems.consoleErrors.push({ text: message.text(), url: message.location().url });
		});
		page.on('pageerror', (error) => problems.pageErrors.push(String(error)));
	};
	async function newContext() {
		const context = await browser.newContext();
		context.on('request', (request) => {
			const url = request.url();
			if (!url.startsWith('data:') && new URL(url).origin !== origin) problems.outsideRequests.push(url);
		});
		await context.route(
			(url) => url.origin !== origin,
			(route) => route.abort('blockedbyclient')
		);
		context.on('page', watch);
		const page = await context.newPage();
		return { context, page };
	}
	const { context, page } = await newContext();
	return { browser, context, page, problems, newContext, close: () => browser.close() };
}

/**
 * Opens url in page with a full load, so that a link differing only by its fragment (a
 * `#token=…` from an e-mail, on the page already shown) is opened for real.
 */
export async function openPage(page, url) {
	await page.goto('about:blank');
	return page.goto(url);
}

/**
 * What every test must leave behind: no cookie in any of contexts, in each of pages the
 * token in sessionStorage only and the language alone in localStorage, and no console
 * error, page error or request to the outside in problems.
 */
export async function assertClean({ contexts, pages, problems }) {
	for (const context of contexts) assert.deepEqual(await context.cookies(), [], 'no cookie, ever');
	for (const page of pages) {
		if (page.isClosed() || page.url() === 'about:blank') continue;
		const storage = await page.evaluate(() => ({ local: { ...localStorage }, session: { ...sessionStorage } }));
		assert.deepEqual(Object.keys(storage.local).filter((key) => key !== 'cloison.locale'), [], 'localStorage holds the language only');
		assert.deepEqual(Object.keys(storage.session).filter((key) => key !== 'cloison.token'), [], 'sessionStorage holds the token only');
		const token = storage.session['cloison.token'];
		if (token) assert.ok(!JSON.stringify(storage.local).includes(token), 'the token is never in localStorage');
	}
	assert.deepEqual(problems, { consoleErrors: [], pageErrors: [], outsideRequests: [] });
}

/**
 * Removes from problems the console errors Chromium logs for an API answer that a test
 * provokes on purpose ("Failed to load resource: … status of 403"), and returns how many.
 */
/**
 * takeFailedResponses once the page's requests in flight have landed: after a
 * session dies, calls the page made with the dead token may still be on their
 * way when the login page shows. Takes until 400 ms pass with no new one.
 */
export async function takeSettledFailures(page, problems, path, status) {
	let total = takeFailedResponses(problems, path, status);
	for (let quiet = 0; quiet < 2; ) {
		await page.waitForTimeout(200);
		const n = takeFailedResponses(problems, path, status);
		total += n;
		quiet = n === 0 ? quiet + 1 : 0;
	}
	return total;
}

export function takeFailedResponses(problems, path, status) {
	const expected = (error) =>
		error.text.includes(`status of ${status}`) && new URL(error.url || 'about:blank').pathname === path;
	const taken = problems.consoleErrors.filter(expected);
	problems.consoleErrors = problems.consoleErrors.filter((error) => !expected(error));
	return taken.length;
}

/**
 * One instance and one browser for a whole test file: started before its tests, stopped after
 * them, the stop checked to be clean. Returns an object whose `server` and `browser` are set
 * once the file's tests run.
 */
export function useInstance() {
	const instance = { server: null, browser: null };
	before(async () => {
		instance.server = await startServer();
		instance.browser = await launchBrowser(instance.server.baseURL);
	});
	after(async () => {
		await instance.browser?.close();
		const exit = await instance.server?.stop();
		assert.deepEqual(exit, { code: 0, signal: null }, 'cloison stops cleanly on SIGTERM');
	});
	return instance;
}

/** Creates the first superadmin, who, through the setup link opened in page. */
export async function createSuperadmin(page, setupURL, who) {
	await openPage(page, setupURL);
	await page.getByRole('heading', { level: 1, name: 'Installation', exact: true }).waitFor();
	await page.getByLabel('Nom').fill(who.name);
	await page.getByLabel('Adresse e-mail').fill(who.email);
	await page.getByLabel('Mot de passe', { exact: true }).fill(who.password);
	await page.getByLabel('Confirmation du mot de passe').fill(who.password);
	await page.getByRole('button', { name: 'Créer le compte' }).click();
	await page.getByRole('link', { name: 'Aller à la page de connexion' }).waitFor();
}

/** Logs who in through the French login form and waits for their home page. */
export async function logInHome(page, baseURL, who) {
	await submitLogin(page, baseURL, who);
	await heading(page, 'Accueil').waitFor();
}

/**
 * Calls to the API of server as a test sets things up through it: `call(method, path,
 * { token, body, ifMatch })` answers the JSON body and throws on any status but 2xx; `login(who)`
 * answers a token; `invite(token, who, role)` has an admin invite who with role and registers
 * them through the e-mailed link, as a person would; `setUp(who)` creates the first
 * superadmin through the setup link's token and answers their token.
 */
export function apiClient(server) {
	async function call(method, path, { token, body, ifMatch } = {}) {
		const headers = { Accept: 'application/json' };
		if (body !== undefined) headers['Content-Type'] = 'application/json';
		if (token) headers.Authorization = `Bearer ${token}`;
		if (ifMatch !== undefined) headers['If-Match'] = `"${ifMatch}"`;
		const response = await fetch(server.baseURL + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
		const text = await response.text();
		const data = text ? JSON.parse(text) : null;
		if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
		return data;
	}
	const login = async (who) => (await call('POST', '/api/auth/login', { body: { email: who.email, password: who.password } })).token;
	async function invite(adminToken, who, role) {
		const since = server.mark();
		await call('POST', '/api/users', {
			token: adminToken,
			body: { email: who.email, name: who.name, role, locale: who.locale, reason: 'Accord du bureau pour les tests' }
		});
		const link = await server.waitForLink({ to: who.email, path: '/invitation', since });
		const invitation = new URL(link).hash.slice('#token='.length);
		const answer = await call('POST', '/api/auth/register', {
			body: { email: who.email, name: who.name, password: who.password, pledge: true, locale: who.locale, invitation }
		});
		assert.equal(answer.status, 'active');
	}
	async function setUp(who) {
		await call('POST', '/api/setup', {
			body: { token: server.setupToken, email: who.email, name: who.name, password: who.password, locale: who.locale }
		});
		return login(who);
	}
	return { call, login, invite, setUp };
}

/** The page's heading named exactly name, of level 1 unless told. */
export const heading = (page, name, level = 1) => page.getByRole('heading', { level, name, exact: true });

/**
 * Logs who in through the login form of the instance at baseURL, as a person would: by default
 * the French form's words; `title` (the page's heading, waited for when given), `email`,
 * `password` and `submit` name another language's. The caller waits for the page it expects next.
 */
export async function submitLogin(page, baseURL, who, { title, email = 'Adresse e-mail', password = 'Mot de passe', submit = 'Se connecter' } = {}) {
	await openPage(page, `${baseURL}/login`);
	if (title) await heading(page, title).waitFor();
	await page.getByLabel(email).fill(who.email);
	await page.getByLabel(password).fill(who.password);
	await page.getByRole('button', { name: submit, exact: true }).click();
}

/**
 * Calls the API of the instance at baseURL as a test's setup does: JSON in and out, with a
 * bearer token when given; a refusal throws with its status and body.
 */
export async function callAPI(baseURL, method, path, { token, body } = {}) {
	const headers = { Accept: 'application/json' };
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	if (token) headers.Authorization = `Bearer ${token}`;
	const response = await fetch(baseURL + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await response.text();
	const data = text ? JSON.parse(text) : null;
	if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
	return data;
}

/** Logs who in through the API and answers the session's token. */
export async function apiToken(baseURL, who) {
	return (await callAPI(baseURL, 'POST', '/api/auth/login', { body: { email: who.email, password: who.password } })).token;
}
