-- SPDX-License-Identifier: ISC
--
-- post.lua: a wrk script that orders a new site on every request, so that
-- each POST /v1/site is a fresh order and a durable commit (a repeat would
-- be answered from the store without writing).
--
--   wrk -t 2 -c 16 -d 10s --latency -H 'Host: factory.localhost' \
--       -H 'Authorization: Bearer <token>' -s bench/post.lua \
--       https://127.0.0.1:8443/v1/site -- <run-id>
--
-- Domain names are b<run>-<thread>-<n>.gent: <run> (the argument after
-- "--", default the time) must differ between wrk runs on the same state
-- directory, <thread> is wrk's thread number and <n> counts per thread.
-- The Host and Authorization headers come from wrk's -H options.
--
-- done() prints lines starting "post:" with the counts per HTTP status and
-- the latency percentiles.  wrk's own summary still follows; its
-- "Non-2xx or 3xx responses" line counts statuses of 400 and above.

local threads = {}

-- Runs in the main Lua state, once per thread, before the threads start.
function setup(thread)
	table.insert(threads, thread)
	thread:set("id", #threads)
end

-- The rest runs in each thread's own Lua state: these globals are per thread.
function init(args)
	run = args[1] or tostring(os.time())
	n = 0
	statuses = {}
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/json"
end

function request()
	n = n + 1
	local body = string.format('{"domain":"b%s-%d-%d.gent",' ..
	    '"callback":"https://cb.example/hook",' ..
	    '"installerSecret":"bench-secret"}', run, id, n)
	return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
end

-- Runs in the main Lua state after the threads stop.
function done(summary, latency, requests)
	local total, bad, codes = {}, 0, {}
	local e = summary.errors
	local secs = summary.duration / 1e6

	for _, thread in ipairs(threads) do
		for status, count in pairs(thread:get("statuses") or {}) do
			total[status] = (total[status] or 0) + count
		end
	end
	for status, count in pairs(total) do
		table.insert(codes, status)
		if status < 200 or status > 299 then
			bad = bad + count
		end
	end
	table.sort(codes)

	io.write(string.format("post: %d requests in %.2f s, %.1f req/s\n",
	    summary.requests, secs, summary.requests / secs))
	for _, status in ipairs(codes) do
		io.write(string.format("post: status %d: %d\n", status,
		    total[status]))
	end
	io.write(string.format("post: non-2xx: %d\n", bad))
	io.write(string.format("post: socket errors: connect %d, read %d, " ..
	    "write %d, timeout %d\n", e.connect, e.read, e.write, e.timeout))
	io.write(string.format("post: latency p50 %.3f ms, p99 %.3f ms, " ..
	    "max %.3f ms\n", latency:percentile(50) / 1000,
	    latency:percentile(99) / 1000, latency.max / 1000))
end
