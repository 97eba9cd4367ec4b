// Seeds the daemon through its real API (POST /v1/submissions with the
// submitter's token): complaints and notices whose text and contact carry
// phone numbers and resident ID numbers, in three places, one with an
// emoji (4 bytes of UTF-8, 2 UTF-16 units) before its span so a highlight
// computed from string indices instead of bytes would be visibly wrong.
// Prints the seeded personal data, one a line, for the report test.
import { api, SUB } from './lib.mjs';

export const SEED = [
	{ external_id: 'b-0001', occurred_at: '2022-11-20',
	  region: { code: '110105', name: '北京市朝阳区' },
	  contact: { name: '王小明', phone: '13912345678' },
	  text: '😷我叫王小明，电话13912345678。即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。' },
	{ external_id: 'b-0002', occurred_at: '2022-11-22',
	  region: { code: '110105', name: '北京市朝阳区' },
	  text: '本人身份证号110101199003071234，反映：朝阳区学校即日起暂停线下教学，转为线上教学，学校并无病例。' },
	{ external_id: 'b-0003', occurred_at: '2022-11-21', kind: 'notice',
	  region: { code: '320102', name: '江苏省南京市玄武区' },
	  text: '通告：即日起全域静默管理，居民足不出户。联系人李四，手机18698765432。' },
	{ external_id: 'b-0004', occurred_at: '2022-11-24',
	  region: { code: '330106', name: '浙江省杭州市西湖区' },
	  contact: { name: '赵六', phone: '021-62345678' },
	  text: '我叫赵六，电话021-62345678。小区封了20多天还不解封，全区中小学一律暂停线下教学。' },
	{ external_id: 'b-0005', occurred_at: '2022-11-23',
	  region: { code: '110105', name: '北京市朝阳区' },
	  text: '家长陈七13800138000反映：全区中小学、幼儿园一律暂停线下教学，转为线上教学。' },
];

export const PERSONAL = ['13912345678', '110101199003071234', '18698765432',
	'021-62345678', '62345678', '13800138000', '王小明', '赵六', '陈七', '李四'];

if (import.meta.url === `file://${process.argv[1]}`) {
	let flags = 0;
	for (const s of SEED) {
		const r = await api('/v1/submissions', SUB, s);
		if (r.status !== 201 && r.status !== 200) {
			console.error(`seed ${s.external_id}: HTTP ${r.status}: ${JSON.stringify(r.json)}`);
			process.exit(1);
		}
		flags += r.json.findings.length;
	}
	if (flags < 6) {
		console.error(`the seed opened only ${flags} flags`);
		process.exit(1);
	}
	console.log(`seeded ${SEED.length} submissions, ${flags} flags`);
}
