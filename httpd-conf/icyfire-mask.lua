-- SPDX-License-Identifier: ISC
--
-- icyfire-mask.lua: lighttpd's mod_magnet runs this for every request to
-- the icyfire host, before anything is logged.  The worker API carries its
-- tokens in the path (".../auth=<read>&<cred>&<server>"); the access log
-- prints GH_LOG_URI, the URL with that segment masked, instead of the
-- request line.  Percent-escapes are decoded first and the match ignores
-- case, so "AUTH%3D..." is masked as well as "auth=...".
local uri = lighty.r.req_attr["request.uri"] or ""
uri = string.gsub(uri, "%%(%x%x)", function(h)
	return string.char(tonumber(h, 16))
end)
uri = string.gsub(uri, "[Aa][Uu][Tt][Hh]=[^/?]*", "auth=***")
-- Control characters would forge log lines: show them as \xNN.
uri = string.gsub(uri, "[%c\"\\]", function(c)
	return string.format("\\x%02x", string.byte(c))
end)
lighty.r.req_env["GH_LOG_URI"] = uri
