/*
 * measured: the reviewers' UI.  Plain JavaScript against the daemon's own
 * API (docs/API.md); no build step, nothing loaded from elsewhere.
 *
 * The reviewer token lives in sessionStorage only: it goes when the tab
 * or browser session closes.  Every API error becomes a message on the
 * page (docs/REVIEWING.md lists them); the page is never left blank.
 *
 * Spans in the API are byte offsets into the UTF-8 text of the document,
 * so the document is cut with TextEncoder/TextDecoder, never with
 * JavaScript string indices (UTF-16 code units).
 */
'use strict';

(function () {

const TOKEN_KEY = 'measured.token';
const PAGE = 25;

const CATEGORY = {
	'closure.school': '随意封校停课',
	'closure.work': '随意停工停产',
	'closure.lockdown': '随意静默、封控',
	'closure.medical': '随意停诊、拒诊',
	'traffic.block': '未经批准阻断交通',
	'testing.mass': '违规全员核酸',
	'testing.frequency': '违规提高检测频次',
	'testing.certificate': '违规查验核酸证明',
	'riskzone.medium': '违规划定中风险区',
	'riskzone.overbroad': '随意扩大高风险区',
	'riskzone.not_lifted': '未及时解封',
	'quarantine.excess': '超期、超范围隔离',
	'contacts.secondary': '判定密接的密接',
	'inbound.flight': '入境航班熔断或多次检测',
	'inbound.repeat': '入境人员重复隔离',
	'stranded.refused': '拒绝滞留人员返乡',
	'enterprise.shutdown': '重点企业被停产',
	'services.supplies': '封控人员生活保障不力',
	'medicine.restricted': '限制购药',
};
const STATUS = {
	open: '待审', confirmed: '已确认', dismissed: '已驳回',
	escalated: '已上报', rectified: '已整改',
};
const ACTION = {
	confirm: '确认', dismiss: '驳回', escalate: '上报',
	rectified: '已整改', reopen: '重新打开',
};
/* The review state machine of docs/API.md: where each action applies. */
const ACTION_FROM = {
	confirm: 'open', dismiss: 'open', escalate: 'confirmed',
	rectified: 'escalated', reopen: 'dismissed',
};
const KEY_ACTION = { c: 'confirm', d: 'dismiss', e: 'escalate', r: 'rectified', o: 'reopen' };
const PROVINCE = {
	11: '北京市', 12: '天津市', 13: '河北省', 14: '山西省', 15: '内蒙古自治区',
	21: '辽宁省', 22: '吉林省', 23: '黑龙江省', 31: '上海市', 32: '江苏省',
	33: '浙江省', 34: '安徽省', 35: '福建省', 36: '江西省', 37: '山东省',
	41: '河南省', 42: '湖北省', 43: '湖南省', 44: '广东省', 45: '广西壮族自治区',
	46: '海南省', 50: '重庆市', 51: '四川省', 52: '贵州省', 53: '云南省',
	54: '西藏自治区', 61: '陕西省', 62: '甘肃省', 63: '青海省',
	64: '宁夏回族自治区', 65: '新疆维吾尔自治区', 71: '台湾省',
	81: '香港特别行政区', 82: '澳门特别行政区',
};

const $ = (id) => document.getElementById(id);
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

const state = {
	token: null,
	status: 'open',
	cursors: [null],	/* the cursor of each page seen; [i] gives page i */
	page: 0,
	next: null,
	items: [],		/* the flags of this page */
	sel: -1,		/* the selected row */
	flag: null,		/* the open flag */
	pending: null,		/* an action waiting for its note */
	measures: null,
	busy: false,
};

/* --- messages ----------------------------------------------------------- */

function say(text, kind) {
	$('message-text').textContent = text;
	$('message').className = 'message' + (kind === 'info' ? ' info' : '');
	$('message').dataset.kind = kind || 'error';
	$('message').hidden = false;
}

function unsay() {
	$('message').hidden = true;
	$('message-text').textContent = '';
}

class ApiError extends Error {
	constructor(status, type, detail) {
		super(detail);
		this.status = status;
		this.type = type || '';
		this.detail = detail || '';
	}
}

/* What a reviewer should read for an error, in both languages. */
function explain(e) {
	if (!(e instanceof ApiError))
		return '页面出错：' + (e && e.message ? e.message : e) +
		    '。请刷新页面。(Unexpected error; reload the page.)';
	switch (e.status) {
	case 0:
		return '无法连接 measured 服务器：网络中断或服务已停止。请检查网络后重试，' +
		    '未提交的意见仍保留在输入框中。(Network down: the server cannot be reached.)';
	case 401:
		return '令牌无效、已过期或已被撤销，请重新登录。' +
		    '(401: the token is unknown, expired or revoked; sign in again.) ' + e.detail;
	case 403:
		return '此令牌无权审核（需要审核员或管理员令牌）。(403: ' + e.detail + ')';
	case 404:
		return '找不到该对象：' + e.detail + ' (404)';
	case 409:
		return '操作冲突：' + e.detail + '。该问题可能已被他人处理，已刷新为最新状态。(409 Conflict)';
	case 429:
		return '请求过于频繁，请稍后再试。(429: ' + e.detail + ')';
	case 503:
		return '服务暂时不可用，未保存任何内容，请稍后重试。(503: ' + e.detail + ')';
	default:
		return '错误 ' + e.status + '：' + e.detail;
	}
}

async function api(path, method, body) {
	const opts = {
		method: method || 'GET',
		headers: { Accept: 'application/json', Authorization: 'Bearer ' + state.token },
		cache: 'no-store',
	};
	if (body !== undefined) {
		opts.headers['Content-Type'] = 'application/json';
		opts.body = JSON.stringify(body);
	}
	let res;
	try {
		res = await fetch(path, opts);
	} catch (err) {
		throw new ApiError(0, 'network', String(err));
	}
	let data = null;
	try {
		data = await res.json();
	} catch (err) {
		data = null;
	}
	if (!res.ok)
		throw new ApiError(res.status, data && data.type,
		    (data && data.detail) || res.statusText);
	return data;
}

/* Shows e; a 401 ends the session. */
function fail(e) {
	if (e instanceof ApiError && e.status === 401) {
		signOut();
	}
	say(explain(e), 'error');
}

/* --- small builders ----------------------------------------------------- */

function el(tag, attrs, ...kids) {
	const n = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false)
			continue;
		if (k === 'class')
			n.className = v;
		else if (k === 'text')
			n.textContent = v;
		else if (k.startsWith('data-'))
			n.dataset[k.slice(5)] = v;
		else
			n.setAttribute(k, v);
	}
	for (const k of kids)
		if (k !== null && k !== undefined)
			n.append(k);
	return n;
}

const catLabel = (c) => (CATEGORY[c] ? CATEGORY[c] + ' ' : '') + c;
const regionText = (r) => r ? (r.name || '') + (r.code ? ' ' + r.code : '') : '（未注明地区）';

function sevBadge(s) {
	return el('span', { class: 'sev sev-' + s, title: '严重度 ' + s + '/5', text: String(s) });
}

function when(iso) {
	return iso ? iso.replace('T', ' ').replace(/\+08:00$/, '') : '';
}

/* --- sign-in ------------------------------------------------------------ */

function showSignin() {
	$('app').hidden = true;
	$('signin').hidden = false;
	$('who').hidden = true;
	$('signout').hidden = true;
	$('token').focus();
}

function signOut() {
	sessionStorage.removeItem(TOKEN_KEY);
	state.token = null;
	state.flag = null;
	showSignin();
}

async function signIn(token) {
	state.token = token;
	try {
		/* A reviewer-only read: tells a wrong role from a wrong token. */
		await api('/v1/flags/counts?status=open');
	} catch (e) {
		state.token = null;
		if (e instanceof ApiError && e.status === 401)
			say('令牌无效、已过期或已被撤销。(401: invalid token) ' + e.detail, 'error');
		else
			say(explain(e), 'error');
		showSignin();
		return;
	}
	sessionStorage.setItem(TOKEN_KEY, token);
	unsay();
	$('signin').hidden = true;
	$('app').hidden = false;
	$('who').textContent = '已登录 (signed in)';
	$('who').hidden = false;
	$('signout').hidden = false;
	await loadMeasures();
	await refresh(true);
}

async function loadMeasures() {
	if (state.measures)
		return;
	try {
		state.measures = await api('/v1/measures');
	} catch (e) {
		fail(e);
		return;
	}
	const sel = $('f-item');
	for (const v of state.measures.versions || []) {
		const g = el('optgroup', { label: '措施 ' + v.version });
		for (const it of v.items || []) {
			const t = (it.text || '').replace(/\s+/g, '');
			g.append(el('option', {
				value: v.version + '|' + it.id,
				text: it.id + ' ' + (it.number || '') + ' ' +
				    (t.length > 18 ? t.slice(0, 18) + '…' : t),
			}));
		}
		sel.append(g);
	}
}

/* --- the queue ---------------------------------------------------------- */

function filterParams(withStatus) {
	const p = new URLSearchParams();
	if (withStatus && state.status)
		p.set('status', state.status);
	for (const k of ['category', 'region', 'severity', 'from', 'to']) {
		const v = $('f-' + k).value;
		if (v)
			p.set(k, v);
	}
	const item = $('f-item').value;
	if (item) {
		const [version, id] = item.split('|');
		p.set('version', version);
		p.set('item', id);
	}
	return p;
}

/* Fills a select from a facet of the counts, keeping its choice. */
function fillSelect(sel, facet, label, order) {
	const keep = sel.value;
	const keys = Object.keys(facet || {});
	if (keep && !keys.includes(keep))
		keys.push(keep);
	keys.sort(order);
	sel.replaceChildren(el('option', { value: '', text: '全部' }));
	for (const k of keys) {
		if (k === '')
			continue;
		const n = facet && facet[k] !== undefined ? facet[k] : 0;
		sel.append(el('option', { value: k, text: label(k) + ' (' + n + ')' }));
	}
	sel.value = keep;
}

function renderCounts(c) {
	const tabs = $('status-tabs');
	tabs.replaceChildren();
	const all = Object.values(c.status || {}).reduce((a, b) => a + b, 0);
	for (const s of ['open', 'confirmed', 'escalated', 'rectified', 'dismissed', '']) {
		const n = s ? (c.status && c.status[s]) || 0 : all;
		const b = el('button', {
			type: 'button', role: 'tab', 'data-status': s,
			'aria-selected': String(state.status === s),
			text: (s ? STATUS[s] : '全部') + ' ' + n,
		});
		tabs.append(b);
	}
	fillSelect($('f-category'), c.category, catLabel);
	fillSelect($('f-severity'), c.severity, (k) => '严重度 ' + k, (a, b) => b - a);
	/* Regions: the provinces counted; a finer code chosen stays. */
	const reg = $('f-region');
	fillSelect(reg, c.province, (k) => (PROVINCE[k] || '地区') + ' ' + k);
	/* Items: the counts go into the catalogue's labels. */
	for (const o of $('f-item').querySelectorAll('option')) {
		if (!o.value)
			continue;
		const id = o.value.split('|')[1];
		const n = (c.item && c.item[id]) || 0;
		o.textContent = o.textContent.replace(/ \(\d+\)$/, '') + ' (' + n + ')';
	}
	$('total').textContent = '符合条件 ' + c.total + ' 条 (matching)';
	$('total').dataset.total = c.total;
}

function renderList() {
	const list = $('flag-list');
	list.replaceChildren();
	state.items.forEach((f, i) => {
		const a = el('a', { href: '#flag-' + f.id, 'data-id': f.id },
		    el('span', { class: 'line1' },
			sevBadge(f.severity),
			el('span', { class: 'status', text: STATUS[f.status] || f.status }),
			el('span', { text: '#' + f.id }),
			el('span', { text: catLabel(f.category) }),
			el('span', { text: (f.measure && f.measure.number) || '' }),
			el('span', { text: f.date }),
			el('span', { text: regionText(f.region) })),
		    el('span', { class: 'excerpt', text: f.excerpt }));
		a.addEventListener('click', (ev) => {
			ev.preventDefault();
			select(i, true);
		});
		list.append(el('li', { class: i === state.sel ? 'current' : null, 'data-id': f.id }, a));
	});
	if (state.items.length === 0)
		list.append(el('li', { class: 'empty', text: '没有符合条件的问题。(No flags match.)' }));
	$('page').textContent = '第 ' + (state.page + 1) + ' 页';
	$('prev').disabled = state.page === 0;
	$('next').disabled = !state.next;
}

/* Loads the counts and the current page. */
async function refresh(resetPage) {
	if (resetPage) {
		state.cursors = [null];
		state.page = 0;
	}
	const p = filterParams(true);
	const order = $('f-order').value;
	p.set('order', order);
	p.set('limit', String(PAGE));
	const cur = state.cursors[state.page];
	if (cur)
		p.set('cursor', cur);
	try {
		const cp = filterParams(true);
		const [page, counts] = await Promise.all([
			api('/v1/flags?' + p.toString()),
			api('/v1/flags/counts?' + cp.toString()),
		]);
		state.items = page.flags || [];
		state.next = page.next_cursor;
		renderCounts(counts);
	} catch (e) {
		fail(e);
		return false;
	}
	if (state.sel >= state.items.length)
		state.sel = state.items.length - 1;
	renderList();
	return true;
}

function select(i, open) {
	if (i < 0 || i >= state.items.length)
		return;
	state.sel = i;
	for (const li of $('flag-list').children)
		li.classList.toggle('current', Number(li.dataset.id) === state.items[i].id);
	const cur = $('flag-list').children[i];
	if (cur)
		cur.scrollIntoView({ block: 'nearest' });
	if (open)
		openFlag(state.items[i].id);
}

/* --- one flag ----------------------------------------------------------- */

/*
 * The document with the flag's span (and the other findings' spans)
 * marked in place.  Offsets are UTF-8 bytes; a span that does not fall
 * on character boundaries is reported, not guessed at.
 */
function renderDocument(text, current, findings) {
	const box = $('doc-text');
	const bytes = enc.encode(text);
	const spans = [];
	const ok = (s) => s && Number.isInteger(s.start) && Number.isInteger(s.end) &&
	    s.start >= 0 && s.start < s.end && s.end <= bytes.length;
	if (ok(current.span))
		spans.push({ start: current.span.start, end: current.span.end, hit: true, id: current.id });
	for (const f of findings)
		if (f.flag_id !== current.id && ok(f.span))
			spans.push({ start: f.span.start, end: f.span.end, hit: false, id: f.flag_id, category: f.category });
	/* The flag's own span first; others only where they do not overlap. */
	const kept = [];
	for (const s of spans)
		if (!kept.some((k) => s.start < k.end && k.start < s.end))
			kept.push(s);
	kept.sort((a, b) => a.start - b.start);
	box.replaceChildren();
	let pos = 0, bad = false, hit = null;
	const cut = (a, b) => {
		try {
			return dec.decode(bytes.subarray(a, b));
		} catch (e) {
			bad = true;
			return null;
		}
	};
	for (const s of kept) {
		const before = cut(pos, s.start), inside = cut(s.start, s.end);
		if (before === null || inside === null)
			break;
		box.append(before);
		let m;
		if (s.hit) {
			m = el('mark', { class: 'hit', id: 'hit', title: '本问题命中的文字' }, inside);
			hit = m;
		} else {
			m = el('mark', { class: 'other', title: '另一发现：' + catLabel(s.category) },
			    el('a', { href: '#flag-' + s.id, 'data-id': s.id }, inside));
		}
		box.append(m);
		pos = s.end;
	}
	if (bad) {
		box.replaceChildren(text);
		say('该问题的位置与原文字节边界不符，未能标出。(The span is not on UTF-8 character boundaries.)', 'error');
		return;
	}
	box.append(cut(pos, bytes.length) || '');
	if (hit)	/* into view inside the box, not by scrolling the page */
		box.scrollTop = Math.max(0, hit.offsetTop - box.offsetTop - box.clientHeight / 3);
}

function flagLink(id, text) {
	const a = el('a', { href: '#flag-' + id, 'data-id': id, text: text });
	return a;
}

function renderFlag(f, related) {
	state.flag = f;
	const sub = f.submission || {};
	$('detail-empty').hidden = true;
	$('flag').hidden = false;
	$('flag').dataset.id = f.id;
	$('flag').dataset.status = f.status;
	$('app').classList.add('viewing');
	$('flag-title').replaceChildren(sevBadge(f.severity), ' #' + f.id + ' ' + catLabel(f.category));
	$('flag-meta').replaceChildren(
	    el('span', { class: 'status', id: 'flag-status', text: STATUS[f.status] || f.status }),
	    ' ' + regionText(sub.region) + ' · 文书日期 ' + (sub.date || '') +
	    '（' + (sub.date_source || '') + '）· 措施版本 ' + ((f.measure && f.measure.version) || '') +
	    ' · 置信度 ' + (f.confidence !== undefined ? f.confidence : '—'));
	$('doc-meta').textContent = [sub.platform, sub.external_id, sub.kind, sub.title]
	    .filter(Boolean).join(' · ');
	renderDocument(sub.text || '', f, sub.findings || []);
	const c = sub.contact;
	$('contact').textContent = c && (c.name || c.phone) ?
	    '联系人（个人信息，仅供核实，不得外传）：' + [c.name, c.phone].filter(Boolean).join(' ') : '';
	const m = f.measure || {};
	$('measure-ref').textContent = '措施 ' + (m.version || '') + ' 第 ' + (m.item || '') + ' 条 ' + (m.number || '');
	$('measure-text').textContent = m.text || '（该版本措施中未找到此条原文）';
	const also = $('also');
	also.replaceChildren();
	/* Further measures cited: folded, the first one is what counts. */
	for (const a of f.also || [])
		also.append(el('details', { class: 'also' },
		    el('summary', { text: '另涉及 ' + a.version + ' 第 ' + a.item + ' 条 ' + (a.number || '') }),
		    el('p', { lang: 'zh-CN', text: a.text || '' })));
	$('rule').textContent = (f.rule || '') + (f.plugin ? '（插件 ' + f.plugin + '）' : '');
	$('reason').textContent = f.reason || '';

	const others = $('others');
	others.replaceChildren();
	for (const o of sub.findings || []) {
		if (o.flag_id === f.id)
			continue;
		others.append(el('li', { 'data-id': o.flag_id },
		    flagLink(o.flag_id, '#' + o.flag_id), ' ', sevBadge(o.severity), ' ',
		    el('span', { class: 'status', text: STATUS[o.flag_status] || o.flag_status }),
		    ' ' + catLabel(o.category) + ' · ' + (o.excerpt || '')));
	}
	if (!others.children.length)
		others.append(el('li', { class: 'empty', text: '无 (none)' }));

	const rel = $('related');
	rel.replaceChildren();
	$('related-window').textContent = related ? '同地区、同类别，' + related.from + ' 至 ' + related.to : '';
	for (const r of (related && related.flags) || [])
		rel.append(el('li', { 'data-id': r.id },
		    flagLink(r.id, '#' + r.id), ' ', sevBadge(r.severity),
		    ' ' + r.date + ' · ' + regionText(r.region) + ' · ' + r.excerpt));
	if (!rel.children.length)
		rel.append(el('li', { class: 'empty', text: sub.region && sub.region.code ?
		    '无 (none)' : '文书未注明地区代码，无法比对。(No region code.)' }));

	const hist = $('history');
	hist.replaceChildren();
	for (const h of f.history || [])
		hist.append(el('li', {},
		    el('span', { class: 'when', text: when(h.at) + ' ' + h.actor + ' ' }),
		    el('b', { text: (ACTION[h.action] || h.action) }),
		    '（' + (STATUS[h.from] || h.from) + ' → ' + (STATUS[h.to] || h.to) + '）：',
		    el('span', { class: 'note', text: h.note }),
		    h.public_note ? el('span', { class: 'public-note',
		    text: '对外说明：' + h.public_note }) : null));
	if (!hist.children.length)
		hist.append(el('li', { class: 'empty', text: '尚无审核记录 (no review yet)' }));

	for (const b of $('actions').querySelectorAll('button')) {
		const from = ACTION_FROM[b.dataset.action];
		b.disabled = from !== f.status;
	}
}

async function openFlag(id) {
	try {
		const [f, rel] = await Promise.all([
			api('/v1/flags/' + id),
			api('/v1/flags/' + id + '/related'),
		]);
		renderFlag(f, rel);
		state.pending = null;
	} catch (e) {
		fail(e);
	}
}

/* --- reviewing ---------------------------------------------------------- */

async function review(action) {
	const f = state.flag;
	if (!f || state.busy)
		return;
	const note = $('note').value.trim();
	if (!note) {
		state.pending = action;
		say('请先填写审核意见，再按 Ctrl+Enter 提交「' + ACTION[action] + '」。(A note is required.)', 'error');
		$('note').focus();
		return;
	}
	state.busy = true;
	const idx = state.items.findIndex((x) => x.id === f.id);
	try {
		/* The public note goes out in the platform's callback; the
		 * reviewers' note never leaves the daemon.  Sent only when
		 * written, so the callback says null rather than "". */
		const body = { action: action, note: note };
		const pub = $('public-note').value.trim();
		if (pub)
			body.public_note = pub;
		const out = await api('/v1/flags/' + f.id + '/review', 'POST', body);
		$('note').value = '';
		$('public-note').value = '';
		state.pending = null;
		say('问题 #' + f.id + ' 已' + ACTION[action] + '：' + STATUS[f.status] + ' → ' +
		    STATUS[out.status] + '。(' + f.status + ' → ' + out.status + ')', 'info');
		await refresh(false);
		/* The next flag: the one now at the reviewed one's place, or
		 * after it when the reviewed flag is still listed. */
		let next = idx;
		if (idx >= 0 && state.items[idx] && state.items[idx].id === f.id)
			next = idx + 1;
		if (next >= 0 && next < state.items.length)
			select(next, true);
		else	/* the end of the page: show what was done */
			await openFlag(f.id);
	} catch (e) {
		fail(e);
		if (e instanceof ApiError && (e.status === 409 || e.status === 404)) {
			/* Someone else got there first: show what is true now. */
			await refresh(false);
			try {
				const [fresh, rel] = await Promise.all([
					api('/v1/flags/' + f.id), api('/v1/flags/' + f.id + '/related')]);
				renderFlag(fresh, rel);
			} catch (e2) {
				/* the 409 message stays */
			}
		}
	} finally {
		state.busy = false;
	}
}

/* --- wiring ------------------------------------------------------------- */

function typing(t) {
	return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT');
}

function onKey(ev) {
	if (!state.token || ev.altKey || ev.metaKey)
		return;
	if (ev.key === 'Enter' && ev.ctrlKey &&
	    (ev.target === $('note') || ev.target === $('public-note'))) {
		ev.preventDefault();
		const a = state.pending || firstAllowed();
		if (a)
			review(a);
		return;
	}
	if (ev.ctrlKey)
		return;
	if (ev.key === 'Escape') {
		if (typing(ev.target))
			ev.target.blur();
		$('app').classList.remove('viewing');
		return;
	}
	if (typing(ev.target))
		return;
	if (ev.key === 'j' || ev.key === 'ArrowDown') {
		ev.preventDefault();
		select(Math.min(state.sel + 1, state.items.length - 1), false);
	} else if (ev.key === 'k' || ev.key === 'ArrowUp') {
		ev.preventDefault();
		select(Math.max(state.sel - 1, 0), false);
	} else if (ev.key === 'Enter' && state.sel >= 0) {
		select(state.sel, true);
	} else if (KEY_ACTION[ev.key] && state.flag) {
		ev.preventDefault();
		const a = KEY_ACTION[ev.key];
		if (ACTION_FROM[a] !== state.flag.status) {
			say('「' + ACTION[a] + '」不适用于' + STATUS[state.flag.status] + '的问题。', 'error');
			return;
		}
		review(a);
	}
}

function firstAllowed() {
	if (!state.flag)
		return null;
	return Object.keys(ACTION_FROM).find((a) => ACTION_FROM[a] === state.flag.status) || null;
}

function init() {
	$('signin-form').addEventListener('submit', (ev) => {
		ev.preventDefault();
		const t = $('token').value.trim();
		$('token').value = '';
		if (t)
			signIn(t);
	});
	$('signout').addEventListener('click', () => {
		signOut();
		say('已退出。(Signed out.)', 'info');
	});
	$('message-close').addEventListener('click', unsay);
	$('filters').addEventListener('change', () => refresh(true));
	$('filters').addEventListener('submit', (ev) => ev.preventDefault());
	$('status-tabs').addEventListener('click', (ev) => {
		const b = ev.target.closest('button');
		if (!b)
			return;
		state.status = b.dataset.status;
		refresh(true);
	});
	$('prev').addEventListener('click', () => {
		if (state.page > 0) {
			state.page--;
			state.sel = -1;
			refresh(false);
		}
	});
	$('next').addEventListener('click', () => {
		if (state.next) {
			state.cursors[state.page + 1] = state.next;
			state.page++;
			state.sel = -1;
			refresh(false);
		}
	});
	$('review').addEventListener('submit', (ev) => {
		ev.preventDefault();
		const b = ev.submitter;
		if (b && b.dataset.action)
			review(b.dataset.action);
	});
	$('back').addEventListener('click', () => $('app').classList.remove('viewing'));
	/* Links to other flags (other findings, related, marks). */
	$('flag').addEventListener('click', (ev) => {
		const a = ev.target.closest('a[data-id]');
		if (!a)
			return;
		ev.preventDefault();
		openFlag(Number(a.dataset.id));
	});
	document.addEventListener('keydown', onKey);

	const t = sessionStorage.getItem(TOKEN_KEY);
	if (t)
		signIn(t);
	else
		showSignin();
}

/* Never a blank page: whatever fails is said. */
window.addEventListener('error', (ev) => say('页面出错：' + ev.message + '。请刷新页面。', 'error'));
window.addEventListener('unhandledrejection', (ev) => say(explain(ev.reason), 'error'));

if (document.readyState === 'loading')
	document.addEventListener('DOMContentLoaded', init);
else
	init();

})();
