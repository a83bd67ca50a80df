-- SPDX-License-Identifier: ISC
--
-- errors.lua: lighttpd's own errors in the programs' JSON shape.
--
-- lighttpd.conf.in (and the Debian package's lighttpd module,
-- debian/lighttpd-module.conf, for its port 443, from /etc/gatehouse)
-- runs this file as magnet.attract-raw-url-to for every request, first
-- (server.error-handler's target is answered here, before any FastCGI
-- program), and as magnet.attract-response-start-to for the error
-- handler's pass (see "current" below).  An ordinary request has no
-- REDIRECT_STATUS and goes on untouched: that path is kept short, it is
-- paid on every request.  When
-- lighttpd itself refuses a request (411, 413, 414, 431, 501, a 503 while
-- it restarts a program, …), it restarts the request as a GET of the
-- error handler with REDIRECT_STATUS set; this script answers it:
--
--   - 411 comes from lighttpd's request parser, for a POST without
--     Content-Length.  Without a body (HTTP/1.1 without Transfer-Encoding,
--     or an HTTP/2 HEADERS frame that ends the stream: the request is
--     whole, its stage "handle-req") HTTP says that is a POST with an
--     empty body, so it goes on to the program as one:
--     GATEHOUSE_REQUEST_METHOD tells the program the method lighttpd
--     replaced (a client cannot set an environment variable; the
--     program's REQUEST_URI is still the original one).  An HTTP/2 POST
--     whose body follows without Content-Length (stage "readpost") is
--     refused by lighttpd 1.4.69's parser all the same (1.4.78 takes
--     it), which resets the stream when its DATA comes: it gets a 411
--     that says so, if the client reads it.  (The other 411, for a
--     streamed body of unknown length, cannot happen: the template never
--     streams such a body.)
--   - every other status gets {"error": "…"} with that status, as the
--     programs answer.  (No "X-Content-Type-Options: nosniff": that
--     header marks an answer of a program, which the tests count.)
local r = lighty.r

-- The same messages for both stages below.  The table is built only
-- for an error: this script also runs, and returns at once, on every
-- request, where building it cost about 40 % of its Lua time.
local function message(status)
	local msg = {
		[400] = "bad request",
		[403] = "forbidden",
		[404] = "no such resource",
		[405] = "method not allowed",
		[408] = "request timeout: the request came too slowly",
		[411] = "an HTTP/2 POST with a body needs a Content-Length here " ..
			"(or use HTTP/1.1)",
		[413] = "request body too large",
		[414] = "request URI too long",
		[417] = "expectation failed",
		[431] = "request header fields too large",
		[500] = "internal server error",
		[501] = "method not implemented",
		[502] = "bad gateway",
		[503] = "service unavailable: try again in a moment",
		[504] = "gateway timeout",
		[505] = "HTTP version not supported",
	}
	return msg[status] or "error"
end

-- As magnet.attract-response-start-to: a page lighttpd made after the
-- error handler had its turn (a program that cannot be reached: the
-- error handler's own pass goes to the same program and fails the same
-- way) is made JSON here.  A program's answer always carries
-- X-Content-Type-Options and is left as it is.
local current = r.req_item["http_status"]
if current ~= 0 then
	local ct = r.resp_header["Content-Type"] or ""
	if current >= 400 and r.resp_header["X-Content-Type-Options"] == nil
	    and string.find(ct, "^text/html") then
		r.resp_header["Content-Type"] = "application/json"
		r.resp_header["Content-Length"] = nil
		if current == 503 then
			r.resp_header["Retry-After"] = "1"
		end
		r.resp_body.set({ '{"error":"' ..
		    message(current) .. '"}' })
		-- (The status again: it marks the new body as complete.)
		return current
	end
	return 0
end

local status = tonumber(r.req_env["REDIRECT_STATUS"] or "")
if status == nil then
	return 0
end
if status == 411 and r.req_attr["request.stage"] ~= "readpost" then
	r.req_env["GATEHOUSE_REQUEST_METHOD"] = "POST"
	return 0
end

if status < 400 or status > 599 then
	status = 500
end
r.resp_header["Content-Type"] = "application/json"
if status == 503 then
	r.resp_header["Retry-After"] = "1"
end
r.resp_body.set({ '{"error":"' .. message(status) .. '"}' })
return status
