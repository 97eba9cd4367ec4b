// The weekly exposure report in the browser, as the public reads it: the
// daemon runs with <report public="yes"/> (tests/browser.test), so the
// page is opened without a token.  Submissions carrying phone numbers,
// resident ID numbers, names after 我叫/联系人 and house-level addresses
// are seeded and their flags confirmed through the real API, now; the
// report of the current ISO week in China Standard Time then renders with
// its three SVG charts, every count it shows is the JSON format's, and
// nothing personal from any seeded submission is in the page.
import { run, shot, ok, eq, api, noErrors, URL, SUB } from './lib.mjs';
import { PERSONAL } from './seed.mjs';

const SEED = [
	{ external_id: 'r-0001', occurred_at: '2022-11-21',
	  region: { code: '440106', name: '广东省广州市天河区' },
	  contact: { name: '孙建国', phone: '13512345678' },
	  text: '我叫孙建国，手机13512345678，家住天河区体育西路100号5栋1单元1203室，' +
		'全区中小学、幼儿园一律暂停线下教学，转为线上教学。' },
	{ external_id: 'r-0002', occurred_at: '2022-11-22', kind: 'notice',
	  region: { code: '310104', name: '上海市徐汇区' },
	  text: '通告：即日起全域静默管理，居民足不出户，联系人周海涛，电话13698761234，' +
		'身份证号310104198806152318，住漕溪北路18号2号楼3单元402室。' },
	{ external_id: 'r-0003', occurred_at: '2022-11-23',
	  region: { code: '110105', name: '北京市朝阳区' },
	  text: '本人身份证号11010519751103002X，邮箱liuyang@example.com，我叫刘洋，' +
		'住朝阳区建国路88号12层，小区封了20多天还不解封，全区中小学一律暂停线下教学。' },
];
// What must not reach the page: the seeded submissions' and seed.mjs's.
const SECRET = PERSONAL.concat(['孙建国', '13512345678',
	'1203室', '5栋', '100号', '周海涛', '13698761234', '310104198806152318',
	'402室', '2号楼', '11010519751103002X', 'liuyang@example.com', '刘洋',
	'88号', '12层']);

// The ISO week (Monday to Sunday, UTC+8) of a moment, as YYYY-Www.
function isoWeekCST(ms) {
	const d = new Date(ms + 8 * 3600 * 1000);	// read as UTC = CST
	const t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
	const dow = new Date(t).getUTCDay() || 7;
	const thu = new Date(t + (4 - dow) * 86400000);	// its week's Thursday
	const y = thu.getUTCFullYear();
	const w = Math.floor((thu - Date.UTC(y, 0, 1)) / 86400000 / 7) + 1;
	return `${y}-W${String(w).padStart(2, '0')}`;
}

// Known weeks first, so a wrong calculation fails here and not as a
// confusing count mismatch below.
eq(isoWeekCST(Date.parse('2022-11-20T15:59:59Z')), '2022-W46', 'Sunday 23:59:59 CST');
eq(isoWeekCST(Date.parse('2022-11-20T16:00:00Z')), '2022-W47', 'Monday 00:00 CST');
eq(isoWeekCST(Date.parse('2021-01-03T04:00:00Z')), '2020-W53', '2021-01-03');
eq(isoWeekCST(Date.parse('2026-12-31T20:00:00Z')), '2026-W53', '2027-01-01 CST');

await run('weekly report', async (browser) => {
	// Seed and confirm through the API; one flag goes on to rectified.
	const mine = [];
	for (const s of SEED) {
		const r = await api('/v1/submissions', SUB, s);
		ok(r.status === 201 || r.status === 200, `seed ${s.external_id}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
		ok(r.json.findings.length > 0, `seed ${s.external_id} opened no flag`);
		for (const f of r.json.findings)
			mine.push(f.flag_id);
	}
	const before = isoWeekCST(Date.now());
	for (const id of mine)
		eq((await api(`/v1/flags/${id}/review`, undefined, { action: 'confirm', note: '已核实' })).status,
		    200, `confirm flag ${id}`);
	const fixed = mine[0];
	eq((await api(`/v1/flags/${fixed}/review`, undefined, { action: 'escalate', note: '督办' })).status, 200, 'escalate');
	eq((await api(`/v1/flags/${fixed}/review`, undefined, { action: 'rectified', note: '已恢复' })).status, 200, 'rectified');

	const week = isoWeekCST(Date.now());
	ok(week === before, `the week turned (${before} to ${week}) while seeding: run again`);
	// Every case listed, so that every seeded excerpt is on the page.
	const path = `/v1/reports/weekly?week=${week}&cases=20`;
	const j = await api(path + '&format=json');
	eq(j.status, 200, 'the JSON report');
	const rep = j.json;
	eq(rep.week, week, 'the JSON report\'s week');
	const listed = rep.flags.map((f) => f.id);
	for (const id of mine)
		ok(listed.includes(id), `flag ${id} confirmed now is in ${week}`);
	eq(rep.confirmed.count, rep.flags.length, 'confirmed count and rows');
	ok(rep.by_category.length >= 2, 'at least two categories: ' + JSON.stringify(rep.by_category));
	ok(rep.by_region.length >= 3, 'Guangdong, Shanghai and Beijing at least');
	ok(rep.rectified.count >= 1, 'one rectified');
	eq(rep.series.length, 8, 'eight weeks in the JSON series');
	eq((await fetch(URL + path + '&format=json')).status, 401, 'the JSON needs a token');

	// The public page: no token at all.
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
	const page = await ctx.newPage();
	page.errors = [];
	page.on('pageerror', (e) => page.errors.push(String(e)));
	// The page is self-contained: the only request besides it may be
	// the favicon chromium asks for by itself (the report names none).
	const loaded = [];
	page.on('request', (r) => loaded.push(new globalThis.URL(r.url()).pathname));
	page.on('console', (m) => {
		if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
			page.errors.push(m.text());
	});
	const res = await page.goto(URL + path + '&format=html');
	eq(res.status(), 200, 'the public HTML report');
	ok(/^text\/html/.test(res.headers()['content-type']), 'served as HTML');
	eq(await page.locator('#report-week').getAttribute('data-week'), week, 'the page\'s week');
	ok((await page.locator('#report-title').textContent()).includes('每周通报'), 'the title');

	// The charts: one bar per category and per province, eight points.
	const bars = (sel) => page.locator(sel + ' svg rect.bar').evaluateAll((rs) =>
		rs.map((r) => Number(r.dataset.count)));
	eq(JSON.stringify(await bars('#chart-category')),
	    JSON.stringify(rep.by_category.map((c) => c.count)), 'the category bars');
	eq(JSON.stringify(await bars('#chart-region')),
	    JSON.stringify(rep.by_region.map((c) => c.count)), 'the region bars');
	const points = await page.locator('#chart-weeks svg circle.point').evaluateAll((cs) =>
		cs.map((c) => [c.dataset.week, Number(c.dataset.count)]));
	eq(JSON.stringify(points), JSON.stringify(rep.series.map((s) => [s.week, s.confirmed])),
	    'the eight-week line');
	eq(points[7][0], week, 'the line ends with this week');
	// The bars are drawn, not just present: widths grow with the count.
	const widths = await page.locator('#chart-category svg rect.bar').evaluateAll((rs) =>
		rs.map((r) => r.getBoundingClientRect().width));
	ok(widths.every((w) => w > 0), 'every category bar has a width: ' + widths);

	// The numbers in the text are the JSON's.
	eq(Number(await page.locator('#total-confirmed').textContent()), rep.confirmed.count, 'total confirmed');
	eq(Number(await page.locator('#total-rectified').textContent()), rep.rectified.count, 'total rectified');
	for (const c of rep.by_category)
		eq(Number(await page.locator(`#table-category tr[data-category="${c.category}"] td.count`).textContent()),
		    c.count, `the ${c.category} row`);
	for (const p of rep.by_region) {
		eq(Number(await page.locator(`#table-region tr.province[data-code="${p.code ?? ''}"] td.count`).textContent()),
		    p.count, `the province ${p.code} row`);
		for (const c of p.cities)
			eq(Number(await page.locator(`#table-region tr.city[data-code="${c.code}"] td.count`).textContent()),
			    c.count, `the city ${c.code} row`);
	}
	for (const c of rep.typical_cases)
		eq(await page.locator(`#cases section.case-group[data-category="${c.category}"] article.case`).count(),
		    c.cases.length, `typical cases of ${c.category}`);
	// The seeds' excerpts are shown (the personal data is in the same
	// sentence as each match), masked with the labels in place.
	const excerpts = (await page.locator('#cases dd.excerpt').allTextContents()).join('\n');
	for (const label of ['[手机号]', '[姓名]', '[身份证号]', '[门牌]'])
		ok(excerpts.includes(label), `${label} in the excerpts: ${excerpts}`);
	ok(excerpts.includes('天河区') && excerpts.includes('朝阳区'), 'district names stay: ' + excerpts);

	// Nothing personal: neither in the text nor anywhere in the markup.
	const text = await page.evaluate(() => document.body.innerText);
	const html = await page.content();
	for (const s of SECRET) {
		ok(!text.includes(s), `"${s}" in the page's text`);
		ok(!html.includes(s), `"${s}" in the page's HTML`);
	}
	ok(!/(^|\D)1[3-9]\d{9}(\D|$)/.test(text), 'no mobile number in the page');
	ok(!/(^|\D)\d{17}[\dXx]/.test(text), 'no ID number in the page');
	noErrors(page);
	eq(JSON.stringify(loaded.filter((p) => p !== '/favicon.ico')),
	    JSON.stringify(['/v1/reports/weekly']), 'nothing loaded but the page');
	await shot(page, 'report-weekly');
	await ctx.close();
});
