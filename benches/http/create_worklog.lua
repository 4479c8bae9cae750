-- POST /api/worklogs/ with a realistic entry; the token comes in the -H header.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local body = string.format(
    '{"content":"Entry %d: moved the billing service to PostgreSQL 15 on Kubernetes, added Redis caching and Grafana dashboards","tags":["billing","infra"]}', n)
  return wrk.format(nil, nil, nil, body)
end
