-- wrk script: POST /api/v1/problems, a new problem each request (an admin
-- token chooses the id: load-tT-N, unique per wrk thread and request), filed
-- by an enterprise of the generated corpus in its own county. Environment:
-- EXPERTMATCH_TOKEN (an admin token), EXPERTMATCH_ENTERPRISE, EXPERTMATCH_COUNTY.
local token = os.getenv("EXPERTMATCH_TOKEN")
local enterprise = os.getenv("EXPERTMATCH_ENTERPRISE")
local county = os.getenv("EXPERTMATCH_COUNTY")
local counter = 0
local titles = {"螺杆空压机夏季高温停机", "轴承高速运转后渗油脂", "不锈钢焊缝晶间腐蚀",
                "有机硅单体合成触体失活", "胡柚皮渣综合利用", "纸机湿部断纸频繁"}

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

local sent = 0
function request()
  sent = sent + 1
  local title = titles[(sent % #titles) + 1]
  local body = string.format(
    '{"id": "load-t%d-%d", "enterprise": "%s", "county": "%s", "title": "%s 第%d-%d批", ' ..
    '"description": "%s，请专家帮助分析原因并提出改进方案。", "urgency": 3}',
    tid or 0, sent, enterprise, county, title, tid or 0, sent, title)
  return wrk.format("POST", "/api/v1/problems",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
