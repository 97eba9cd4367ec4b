// The whole review loop at 1280 px: sign in, filter the queue (counts
// agree with the API), open a flag, see its span highlighted in place
// (byte offsets converted correctly past an emoji), the measure's Chinese
// text, other findings and related flags; confirm it with a note and a
// note for the public (stored as public_note); it leaves the open queue,
// the UI moves to the next flag, and the confirmed tab shows it with both
// notes in its history.  Then a keyboard review.
import { run, open, signIn, shot, ok, eq, api, noErrors } from './lib.mjs';

await run('review loop', async (browser) => {
	const { page } = await open(browser);
	await page.locator('#signin').waitFor();
	await signIn(page);
	await page.locator('#flag-list li[data-id]').first().waitFor();
	eq(await page.evaluate(() => sessionStorage.length), 1, 'the token kept in sessionStorage');
	eq(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');

	// Filters: Beijing, closure.school; the count is the API's.
	await page.locator('#f-region').selectOption('11');
	await page.waitForFunction(() =>
		[...document.querySelectorAll('#flag-list li[data-id]')].length > 0 &&
		![...document.querySelectorAll('#flag-list .line1')].some((e) => !e.textContent.includes('110105')));
	await page.locator('#f-category').selectOption('closure.school');
	const want = (await api('/v1/flags/counts?status=open&region=11&category=closure.school')).json.total;
	await page.waitForFunction((n) => document.querySelector('#total').dataset.total === String(n), want);
	const rows = await page.locator('#flag-list li[data-id]').count();
	eq(rows, want, 'rows listed for the filter');
	ok(want >= 3, 'at least three open school flags in Beijing');
	const listed = await page.locator('#flag-list .line1').allTextContents();
	ok(listed.every((t) => t.includes('closure.school') && t.includes('110105')), 'only the filtered flags: ' + listed);

	// The flag of b-0001: its document starts with an emoji.
	const sub = (await api('/v1/submissions?external_id=b-0001')).json.submissions[0];
	const fid = sub.findings[0].flag_id;
	await page.locator(`#flag-list li[data-id="${fid}"] a`).click();
	await page.locator(`#flag[data-id="${fid}"]`).waitFor();
	const flag = (await api('/v1/flags/' + fid)).json;
	const text = flag.submission.text;
	const bytes = Buffer.from(text, 'utf8');
	const span = bytes.subarray(flag.span.start, flag.span.end).toString('utf8');
	const before = bytes.subarray(0, flag.span.start).toString('utf8');
	eq(await page.locator('#doc-text mark.hit').textContent(), span, 'the highlighted span');
	// In place: the text before the mark is exactly the document's.
	const shownBefore = await page.evaluate(() => {
		const box = document.querySelector('#doc-text');
		const r = document.createRange();
		r.setStart(box, 0);
		r.setEndBefore(document.querySelector('#doc-text mark.hit'));
		return r.toString();
	});
	eq(shownBefore, before, 'the document before the span');
	eq(await page.locator('#doc-text').textContent(), text, 'the whole document, unchanged');
	const mtext = await page.locator('#measure-text').textContent();
	ok(mtext.includes('严禁随意封校停课'), 'the measure\'s Chinese text: ' + mtext);
	ok((await page.locator('#measure-ref').textContent()).includes(flag.measure.item), 'the measure item');
	eq(await page.locator('#rule').textContent().then((t) => t.startsWith(flag.rule)), true, 'the rule');
	eq(await page.locator('#reason').textContent(), flag.reason, 'the reason');
	const related = (await api(`/v1/flags/${fid}/related`)).json.flags.map((f) => f.id);
	ok(related.length >= 2, 'b-0002 and b-0005 are related to b-0001');
	for (const id of related)
		ok(await page.locator(`#related li[data-id="${id}"]`).count() === 1, `related flag ${id} listed`);
	await shot(page, 'flag-1280');

	// Confirm with a note.
	const note = '已核实：朝阳区该校无病例，属随意停课';
	const pubNote = '已责成区教委恢复线下教学';
	await page.locator('#note').fill(note);
	await page.locator('#public-note').fill(pubNote);
	const idx = (await page.locator('#flag-list li[data-id]').evaluateAll((lis, id) =>
		lis.findIndex((li) => li.dataset.id === String(id)), fid));
	const nextId = rows > idx + 1 ?
		await page.locator('#flag-list li[data-id]').nth(idx + 1).getAttribute('data-id') : null;
	await page.locator('#actions button[data-action="confirm"]').click();
	await page.locator('#message[data-kind="info"]').waitFor();
	ok((await page.locator('#message-text').textContent()).includes('open → confirmed'), 'the confirmation message');
	await page.waitForFunction((id) => !document.querySelector(`#flag-list li[data-id="${id}"]`), fid);
	eq(await page.locator('#flag-list li[data-id]').count(), rows - 1, 'one fewer open flag');
	if (nextId !== null)
		await page.locator(`#flag[data-id="${nextId}"]`).waitFor();	// moved on to the next
	const stored = (await api('/v1/flags/' + fid)).json;
	eq(stored.status, 'confirmed', 'stored as confirmed');
	const last = stored.history[stored.history.length - 1];
	eq(last.note, note, 'the reviewers\' note stored');
	eq(last.public_note, pubNote, 'the note for the public stored');
	eq(await page.locator('#public-note').inputValue(), '', 'the public note cleared after the action');

	// The confirmed tab lists it; its history has the note.
	await page.locator('#status-tabs button[data-status="confirmed"]').click();
	await page.locator(`#flag-list li[data-id="${fid}"] a`).click();
	await page.locator(`#flag[data-id="${fid}"][data-status="confirmed"]`).waitFor();
	const hist = await page.locator('#history').textContent();
	ok(hist.includes(note) && hist.includes('reviewer-ui'), 'the history shows the note and the reviewer: ' + hist);
	ok(hist.includes(pubNote), 'the history shows the note for the public: ' + hist);
	ok(await page.locator('#actions button[data-action="confirm"]').isDisabled(), 'confirm is disabled once confirmed');
	await shot(page, 'history-1280');

	// Keyboard: escalate it with "e" after writing the note.
	await page.locator('#note').fill('上报专班督办');
	await page.locator('#note').press('Escape');
	await page.keyboard.press('e');
	await page.waitForFunction(() => document.querySelector('#message-text').textContent.includes('confirmed → escalated'));
	eq((await api('/v1/flags/' + fid)).json.status, 'escalated', 'escalated by the keyboard');
	noErrors(page);
});
