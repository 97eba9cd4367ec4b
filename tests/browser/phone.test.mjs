// Phone width (390 px): one column, nothing wider than the screen, the
// flag replaces the queue and "back" returns to it; Chinese renders.
import { run, open, signIn, shot, ok, eq, noErrors } from './lib.mjs';

await run('phone width', async (browser) => {
	const { page } = await open(browser, { width: 390, height: 844 });
	await page.locator('#signin').waitFor();
	await shot(page, 'signin-phone');
	await signIn(page);
	await page.locator('#flag-list li[data-id]').first().waitFor();
	const wide = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	ok(await wide() <= 0, 'the queue fits the screen');
	await shot(page, 'queue-phone');
	await page.locator('#flag-list li[data-id] a').first().click();
	await page.locator('#flag:not([hidden])').waitFor();
	ok(!(await page.locator('#queue').isVisible()), 'the queue is hidden while a flag is open');
	ok(await page.locator('#doc-text mark.hit').isVisible(), 'the span is visible');
	ok(await wide() <= 0, 'the flag fits the screen');
	// The CJK font draws Chinese at full width, not as missing glyphs.
	const w = await page.evaluate(() => {
		const c = document.createElement('canvas').getContext('2d');
		c.font = '16px "Noto Sans CJK SC"';
		return [c.measureText('审核').width, c.measureText('\u{10FFFD}\u{10FFFD}').width];
	});
	ok(w[0] >= 30, 'Chinese glyphs have width: ' + w);
	await shot(page, 'flag-phone');
	await page.locator('#back').click();
	ok(await page.locator('#queue').isVisible(), 'back to the queue');
	eq(await page.locator('#detail').isVisible(), false, 'the flag is hidden again');
	noErrors(page);
});
