// Shared by the browser tests (tests/browser.test runs them): Debian's
// chromium driven by playwright-core, the daemon's address and tokens
// from the environment, and small assertions that say what went wrong.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const URL = need('MD_URL');
export const REV = need('MD_REV');
export const SUB = need('MD_SUB');
export const SHOTS = need('MD_SHOTS');
mkdirSync(SHOTS, { recursive: true });

function need(name) {
	const v = process.env[name];
	if (!v) {
		console.error(`${name} is not set: run through tests/browser.test`);
		process.exit(2);
	}
	return v;
}

export async function launch() {
	return chromium.launch({
		executablePath: process.env.MD_CHROMIUM || '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
			'--disable-component-update', '--disable-sync'],
	});
}

// A page at 1280 px (or the given viewport) that fails the test on any
// page error or CSP violation, so a broken script cannot pass quietly.
export async function open(browser, viewport) {
	const ctx = await browser.newContext({
		viewport: viewport || { width: 1280, height: 900 },
		locale: 'zh-CN',
	});
	const page = await ctx.newPage();
	page.errors = [];
	page.on('pageerror', (e) => page.errors.push(String(e)));
	page.on('console', (m) => {
		if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
			page.errors.push(m.text());
	});
	await page.goto(URL + '/');
	return { ctx, page };
}

export async function signIn(page, token) {
	await page.locator('#token').fill(token || REV);
	await page.locator('#signin-form button[type=submit]').click();
}

export async function shot(page, name) {
	await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true });
}

export function ok(cond, what) {
	if (!cond)
		throw new Error('FAIL: ' + what);
}

export function eq(got, want, what) {
	if (got !== want)
		throw new Error(`FAIL: ${what}: got ${JSON.stringify(got)}, wanted ${JSON.stringify(want)}`);
}

// The daemon's API, for checking what the UI shows against the truth.
export async function api(path, token, body) {
	const res = await fetch(URL + path, {
		method: body ? 'POST' : 'GET',
		headers: { Authorization: 'Bearer ' + (token || REV), 'Content-Type': 'application/json' },
		body: body ? JSON.stringify(body) : undefined,
	});
	return { status: res.status, json: await res.json() };
}

export function noErrors(page) {
	if (page.errors.length)
		throw new Error('FAIL: errors in the page: ' + page.errors.join('; '));
}

// Runs a test body with a browser, always closing it.
export async function run(name, body) {
	const browser = await launch();
	try {
		await body(browser);
		console.log(`PASS: ${name}`);
	} catch (e) {
		console.error(e && e.stack ? e.stack : String(e));
		process.exitCode = 1;
	} finally {
		await browser.close();
	}
}
