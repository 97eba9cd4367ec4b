-- wrk script for bench/bench_daemon.sh: POST /v1/submissions with a
-- unique external_id per request (thread number and counter), cycling
-- through realistic complaints and notices of different lengths, most of
-- them innocuous, some violations.  The token comes from the environment
-- (MEASURED_TOKEN); the bare server ignores it.
local texts = {
  "我是朝阳区某小区居民。11月20日起小区没有任何病例，却被物业用铁皮围挡封住大门，只留一个出口，要求每天做核酸才能出门。请问这是否符合国家的优化措施？",
  "即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学，恢复时间另行通知。请各校做好师生解释工作。",
  "各地要严格执行国家统一的防控政策，不得随意封校停课、停工停产，不得未经批准阻断交通，不得随意采取静默管理。对违反规定的，依法依规严肃追责。",
  "我家孩子发烧三十九度，去县医院急诊被要求先出示二十四小时核酸阴性证明，否则不予接诊。我们在门口等了三个多小时，最后只能去外地就医。",
  "关于进一步做好社区疫情防控工作的通知：一、各社区要落实属地责任，科学精准做好风险区域划定，高风险区一般以单元、楼栋为单位划定，不得随意扩大。二、加强重点人群疫苗接种。三、做好群众生活物资保障和就医服务，畅通求助渠道。四、本通知自印发之日起施行。",
  "本人在外地出差，所在地区不是高风险区，但返乡时村里要求必须集中隔离七天，并自费承担隔离费用。村干部说这是镇里的统一要求。",
  "市疫情防控指挥部通告：全市所有进出通道一律关闭，车辆禁止通行，非必要不离开本市，解除时间另行通知。",
  "感谢社区工作人员这几天的辛苦付出。我们楼栋解封后，物业及时做了消杀，菜市场也恢复了正常营业，孩子已经回到学校上课。",
}
local counter = 0
local threads = {}
local id = 0

function setup(thread)
  id = id + 1
  thread:set("tid", id)
  table.insert(threads, thread)
end

function init(args)
  local token = os.getenv("MEASURED_TOKEN") or "none"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.method = "POST"
  wrk.path = "/v1/submissions"
  run = os.getenv("BENCH_RUN") or "0"
end

function request()
  counter = counter + 1
  local text = texts[(counter % #texts) + 1]
  local body = string.format(
    '{"external_id":"bench-%s-%d-%d","kind":"complaint","text":"%s","occurred_at":"2022-11-2%d","region":{"code":"1101%02d"}}',
    run, tid, counter, text, counter % 10, counter % 17)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d seconds=%.3f rate=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d\n",
    summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
