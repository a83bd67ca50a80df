-- SPDX-License-Identifier: ISC
--
-- load.lua: the wrk script of tests/load.  Each connection sends, in turn,
-- the requests of a spec file, and every answer is counted by status; at
-- the end one "load:" line per figure goes to stdout for lib.sh to read.
--
--   wrk -t 2 -c 16 -d 60s --timeout 30s -H 'Host: factory.localhost:PORT' \
--       -s tests/load/load.lua https://127.0.0.1:PORT/ -- \
--       SPEC RUN [RECORD-PREFIX RECORD-STATUS RECORD-PATTERN]
--
-- SPEC holds one request a line, fields separated by tabs:
--
--   METHOD  PATH  [HEADER|-]  [BODY]
--
-- HEADER ("Name: value", or "-" for none) is added to wrk's -H headers.
-- In PATH and BODY, {n} becomes a name unique to this request within the
-- run: <RUN>-<thread>-<count>.  RUN must differ between runs on the same
-- state directory.  The lines are sent round-robin, so "two POSTs and one
-- GET" is three lines.
--
-- With RECORD-PREFIX, an answer of status RECORD-STATUS whose body matches
-- the Lua pattern RECORD-PATTERN appends the pattern's capture to
-- RECORD-PREFIX.<thread>, one a line (the domain of each order answered
-- 201, say), so the caller can look every one of them up afterwards.
--
-- The lines done() prints:
--   load: requests N            answers received (wrk's own count)
--   load: status S N            per HTTP status
--   load: class Cxx N           per class (2xx … 5xx)
--   load: no-retry-after N      503 answers without a Retry-After header
--   load: errors connect N read N write N timeout N
--   load: latency-max-ms N      the slowest answer
--
-- wrk gives each thread its own Lua state: response() counts in that
-- thread's globals, and done(), in the main state, adds them up through
-- thread:get().

local threads = {}

-- Main state, once per thread, before the threads start.
function setup(thread)
	table.insert(threads, thread)
	thread:set("id", #threads)
end

local function split_tabs(line)
	local f = {}
	for field in (line .. "\t"):gmatch("([^\t]*)\t") do
		table.insert(f, field)
	end
	return f
end

-- From here on, each thread's own state: these globals are per thread.
function init(args)
	local spec = args[1]
	run = args[2] or tostring(os.time())
	record_status = tonumber(args[4] or "")
	record_pattern = args[5]
	record_file = nil
	if args[3] ~= nil and args[3] ~= "-" and record_status ~= nil then
		record_file = assert(io.open(args[3] .. "." .. id, "a"))
		record_file:setvbuf("line")
	end
	lines = {}
	for line in assert(io.open(spec, "r")):lines() do
		if line ~= "" and line:sub(1, 1) ~= "#" then
			local f = split_tabs(line)
			local headers = {}
			for k, v in pairs(wrk.headers) do
				headers[k] = v
			end
			if f[3] ~= nil and f[3] ~= "" and f[3] ~= "-" then
				local name, value = f[3]:match("^([^:]+):%s*(.*)$")
				headers[name] = value
			end
			local body = f[4]
			if body == "" then
				body = nil
			end
			table.insert(lines, { method = f[1], path = f[2],
			    headers = headers, body = body })
		end
	end
	assert(#lines > 0, "load.lua: no request in " .. spec)
	n = 0
	statuses = {}
	no_retry_after = 0
end

function request()
	n = n + 1
	local l = lines[(n - 1) % #lines + 1]
	local name = string.format("%s-%d-%d", run, id, n)
	local path = l.path:gsub("{n}", name)
	local body = l.body and l.body:gsub("{n}", name) or nil
	return wrk.format(l.method, path, l.headers, body)
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
	if status == 503 then
		local seen = false
		for k, _ in pairs(headers) do
			if k:lower() == "retry-after" then
				seen = true
			end
		end
		if not seen then
			no_retry_after = no_retry_after + 1
		end
	end
	if record_file ~= nil and status == record_status and body ~= nil then
		local v = body:match(record_pattern)
		if v ~= nil then
			record_file:write(v, "\n")
		end
	end
end

-- Main state, after the threads stop.
function done(summary, latency, requests)
	local total, classes, codes, nra = {}, {}, {}, 0
	local e = summary.errors

	for _, thread in ipairs(threads) do
		for status, count in pairs(thread:get("statuses") or {}) do
			total[status] = (total[status] or 0) + count
		end
		nra = nra + (thread:get("no_retry_after") or 0)
	end
	for status, count in pairs(total) do
		table.insert(codes, status)
		local c = math.floor(status / 100)
		classes[c] = (classes[c] or 0) + count
	end
	table.sort(codes)
	io.write(string.format("load: requests %d\n", summary.requests))
	for _, status in ipairs(codes) do
		io.write(string.format("load: status %d %d\n", status,
		    total[status]))
	end
	for c = 1, 5 do
		io.write(string.format("load: class %dxx %d\n", c,
		    classes[c] or 0))
	end
	io.write(string.format("load: no-retry-after %d\n", nra))
	io.write(string.format("load: errors connect %d read %d write %d " ..
	    "timeout %d\n", e.connect, e.read, e.write, e.timeout))
	io.write(string.format("load: latency-max-ms %.1f\n",
	    latency.max / 1000))
end
