// Every error is a message, never a blank page: a wrong token at sign-in,
// a stored token that no longer works, a 409 when another reviewer got
// there first, and the network gone.
import { run, open, signIn, shot, ok, eq, api, noErrors, URL, REV } from './lib.mjs';

await run('errors', async (browser) => {
	// A token the daemon does not know.
	let { ctx, page } = await open(browser);
	await signIn(page, 'mdt_' + 'x'.repeat(43));
	await page.locator('#message[data-kind="error"]').waitFor();
	const msg = await page.locator('#message-text').textContent();
	ok(msg.includes('令牌无效') && msg.includes('401'), 'the invalid token message: ' + msg);
	ok(await page.locator('#signin').isVisible(), 'still at sign-in');
	eq(await page.evaluate(() => sessionStorage.length), 0, 'a bad token is not kept');
	await shot(page, 'invalid-token');
	await ctx.close();

	// A session whose token stopped working (revoked, expired): the
	// first request says so and goes back to sign-in.
	({ ctx, page } = await open(browser));
	await page.evaluate(() => sessionStorage.setItem('measured.token', 'mdt_revoked'));
	await page.goto(URL + '/');
	await page.locator('#message[data-kind="error"]').waitFor();
	ok((await page.locator('#message-text').textContent()).includes('401'), 'a stale session is told');
	ok(await page.locator('#signin').isVisible(), 'back at sign-in');
	await ctx.close();

	// 409: the flag is confirmed through the API while the UI shows it open.
	({ ctx, page } = await open(browser));
	await signIn(page);
	await page.locator('#f-region').selectOption('33');
	const sub = (await api('/v1/submissions?external_id=b-0004')).json.submissions[0];
	const fid = sub.findings[0].flag_id;
	await page.locator(`#flag-list li[data-id="${fid}"] a`).click();
	await page.locator(`#flag[data-id="${fid}"][data-status="open"]`).waitFor();
	// The other findings of the same document are listed.
	for (const f of sub.findings.slice(1))
		ok(await page.locator(`#others li[data-id="${f.flag_id}"]`).count() === 1, `other finding ${f.flag_id} listed`);
	eq((await api(`/v1/flags/${fid}/review`, REV, { action: 'confirm', note: '另一审核员' })).status, 200, 'confirmed behind the UI');
	await page.locator('#note').fill('驳回');
	await page.locator('#actions button[data-action="dismiss"]').click();
	await page.locator('#message[data-kind="error"]').waitFor();
	const c = await page.locator('#message-text').textContent();
	ok(c.includes('409') && c.includes('confirmed'), 'the 409 message names the state: ' + c);
	await page.locator(`#flag[data-id="${fid}"][data-status="confirmed"]`).waitFor();
	ok((await page.locator('#history').textContent()).includes('另一审核员'), 'the fresh history is shown');
	eq(await page.locator('#note').inputValue(), '驳回', 'the note is kept');
	await shot(page, 'conflict-409');

	// The network goes down: a message, the page stays.
	await ctx.setOffline(true);
	await page.locator('#f-severity').selectOption({ index: 1 });
	await page.waitForFunction(() => document.querySelector('#message-text').textContent.includes('无法连接'));
	ok(await page.locator('#flag-list').isVisible(), 'the queue is still shown');
	await ctx.setOffline(false);
	noErrors(page);
	await ctx.close();
});
