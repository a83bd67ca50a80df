#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Hostile input to apihost (doc/spec/apihost-api.md, doc/apihost.md:
# how we read it), with the echo app (../integration/echo.py) as the
# grain, so that what the app receives can be checked:
#   - CR, LF and NUL in every request header apihost forwards (HTTP/1.1
#     raw: bare CR, bare LF, NUL, obsolete line folding; HTTP/2 with the
#     bytes in the field value): refused by the web server (400), or
#     forwarded with the line break made spaces; the app never sees a
#     header the client made up;
#   - dot segments in the proxied path, plain, percent-encoded, between
#     encoded separators, with backslashes: 400, or (double encoding, and
#     dots that are no segment) forwarded under the grain's apiPath;
#   - SQL injection in the token, the grain secret, the keepalive, the
#     offer page id and every field of an offer template; forwarded
#     paths and queries reach the app as they came;
#   - offer templates: CR/LF/NUL in every field, bad JSON, numbers,
#     wrong content types, an oversized body; the gateway's own max_body;
#   - an unknown method, lower case.
# Every refusal is a 4xx, apihost.db is unchanged by it (counts and
# content, bar a token's last_used), and apihost keeps serving.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

GH_HOST=api.localhost
# A gateway cap small enough to test (the default is 1 GiB).
before_start() {
	sed -i '/^\[apihost\]/a max_body = 100000' "$1/gatehouse.conf"
}
hostile_start
setup_apihost
DB_VOLATILE[apihost]=token.last_used
auth=(-H "Authorization: Bearer $API_TOKEN")
gauth=(-H "Authorization: Bearer $GRAIN_SECRET")
json=(-H 'Content-Type: application/json')
mapfile -t SQLI < <(sqli token)

ALIVE_AFTER="the set-up"
alive apihost
SNAP=$(db_snap apihost)

# echo_saw NAME REGEX: the app's JSON names header NAME (any case) with a
# value matching REGEX (ERE, anchored), and no X-Injected header at all.
# Plain bash over the body: no jq per request.
echo_saw() {
	local body='' re
	IFS= read -r -d '' body <"$RES_BODY"
	body=${body,,}
	re="\"${1,,}\": \"($2)\""
	if [[ $body == *'"x-injected"'* ]]; then
		not_ok "$REQ_DESC: the app saw no X-Injected header" "body: $(body_excerpt)"
	elif [[ $body =~ $re ]]; then
		ok "$REQ_DESC: the app saw $1 without a line break, and no X-Injected"
	else
		not_ok "$REQ_DESC: the app saw $1 ~ /$2/" "body: $(body_excerpt)"
	fi
}

# --- CR, LF, NUL in every header the gateway forwards ----------------------------
FWD=(Accept Accept-Encoding Accept-Language Cache-Control Content-Encoding
	Content-Language Content-Type If-Match If-None-Match If-Modified-Since
	If-Unmodified-Since If-Range Range X-Requested-With Depth Destination
	Overwrite OC-Total-Length OC-Chunk-Size X-OC-Mtime OC-Checksum
	X-Sandstorm-App-Note)
head="GET /hdr HTTP/1.1\r\nHost: api.localhost\r\nAuthorization: Bearer $API_TOKEN\r\n"
raw_reset
for h in "${FWD[@]}"; do
	# Obsolete line folding: both servers take it and unfold it into
	# spaces, so the value goes on with no line break left in it.
	raw_add api.localhost "$h: a CRLF and a space (obs-fold) then X-Injected" \
		"$head$h: a\r\n X-Injected: yes\r\nConnection: close\r\n\r\n"
	raw_add api.localhost "$h: a bare LF then X-Injected" \
		"$head$h: a\nX-Injected: yes\r\nConnection: close\r\n\r\n"
	raw_add api.localhost "$h: a bare CR then X-Injected" \
		"$head$h: a\rX-Injected: yes\r\nConnection: close\r\n\r\n"
	raw_add api.localhost "$h: a NUL" \
		"$head$h: a\x00X-Injected: yes\r\nConnection: close\r\n\r\n"
done
raw_run
for ((i = 0; i < RAW_N; i++)); do
	raw_pick "$i"
	h=${FWD[i / 4]}
	if ((i % 4 == 0)); then
		expect_status 200
		echo_saw "$h" 'a +x-injected: yes'
	else
		expect_status 400
	fi
done
# The same bytes in HTTP/2 field values (RFC 9113 forbids them): lighttpd
# refuses the request (400), Apache's mod_http2 resets the stream.
h2_reset
for h in "${FWD[@]}"; do
	for v in 'a\r\nX-Injected: yes' 'a\nX-Injected: yes' 'a\rX-Injected: yes' 'a\u0000b'; do
		h2_add api.localhost "HTTP/2 $h: $v" \
			"[[\":method\", \"GET\"], [\":path\", \"/h2\"], [\":scheme\", \"https\"],
			  [\":authority\", \"api.localhost\"],
			  [\"authorization\", \"Bearer $API_TOKEN\"], [\"${h,,}\", \"$v\"]]"
	done
done
h2_run
for ((i = 0; i < H2_N; i++)); do
	h2_pick "$i"
	if [[ $GH_SERVER == apache ]]; then
		expect_h2_reset
	else
		expect_status 400
	fi
done
# Percent-encoded line ends are not line ends: they go on as they are.
pct=(Accept X-Sandstorm-App-Note Destination)
batch_reset
for h in "${pct[@]}"; do
	batch_add "GET with $h: a%0d%0aX-Injected: yes" GET /pct "${auth[@]}" \
		-H "$h: a%0d%0aX-Injected: yes"
done
batch_run
for ((i = 0; i < BATCH_N; i++)); do
	batch_pick "$i"
	expect_status 200
	echo_saw "${pct[i]}" 'a%0d%0ax-injected: yes'
done
# The pseudo-headers of HTTP/2 carry the method, path and host: the same
# bytes there are refused too.  (lighttpd lets a space, a tab or '#'
# through in :path, which HTTP/1.1 cannot carry; the gateway refuses
# them, 400, rather than fail to build the app's URL, 502.  Apache's
# mod_http2 resets the stream of each but the '#', which gets its 400.)
{
	h2_reset
	for v in '/x\r\nX-Injected: yes' '/x\u0000' '/x\n' '/x y' '/x\ty' '/x?a b' \
		'/x#/../../y' '/x?a=\u007f'; do
		h2_add api.localhost "HTTP/2 :path $v" \
			"[[\":method\", \"GET\"], [\":path\", \"$v\"], [\":scheme\", \"https\"],
			  [\":authority\", \"api.localhost\"], [\"authorization\", \"Bearer $API_TOKEN\"]]"
	done
	for v in 'api.localhost\r\nX-Injected: yes' 'api.localhost\u0000'; do
		h2_add api.localhost "HTTP/2 :authority $v" \
			"[[\":method\", \"GET\"], [\":path\", \"/x\"], [\":scheme\", \"https\"],
			  [\":authority\", \"$v\"], [\"authorization\", \"Bearer $API_TOKEN\"]]"
	done
	h2_add api.localhost "HTTP/2 :method GET\\r\\nX-Injected: yes" \
		"[[\":method\", \"GET\\r\\nX-Injected: yes\"], [\":path\", \"/x\"], [\":scheme\", \"https\"],
		  [\":authority\", \"api.localhost\"], [\"authorization\", \"Bearer $API_TOKEN\"]]"
	h2_run
	for ((i = 0; i < H2_N - 1; i++)); do
		h2_pick "$i"
		if [[ $GH_SERVER == lighttpd || $i == 6 ]]; then
			expect_status 400
		else
			expect_h2_reset
		fi
	done
	# No method lighttpd knows: its own 501 (RFC 9110, 9.1).
	h2_pick $((H2_N - 1))
	if [[ $GH_SERVER == lighttpd ]]; then
		expect_status 501
	else
		expect_h2_reset
	fi
}
# Headers the gateway must not take from the client, however spelt: an
# underscore for a dash (lighttpd maps both to one CGI name; the
# allow-list drops it), and Proxy (httpoxy: the gateway uses no proxy).
batch_reset
batch_add "GET with X_Sandstorm_User_Id: forged" GET /spoof "${auth[@]}" \
	-H 'X_Sandstorm_User_Id: forged' -H 'X-Sandstorm-Permissions: admin'
batch_add "GET with Proxy: http://127.0.0.1:1/ (httpoxy)" GET /httpoxy "${auth[@]}" \
	-H 'Proxy: http://127.0.0.1:1/'
batch_run
batch_pick 0
expect_status 200
expect_body_has '"X-Sandstorm-User-Id": "u-1"'
expect_body_has '"X-Sandstorm-Permissions": "read,write"'
batch_pick 1
expect_status 200 "$REQ_DESC: reaches the app directly → 200"
expect_body_has '"path": "/api/httpoxy"'
# A preflight answers 200 to anyone, but echoes only header names.
batch_reset
for v in "x-a, ${SQLI[0]}" 'x-a, <script>' 'x-a;x-b' "x-a, ${SQLI[1]}"; do
	batch_add "OPTIONS preflight asking for headers '$v'" OPTIONS /x \
		-H 'Access-Control-Request-Method: GET' -H "Access-Control-Request-Headers: $v"
done
batch_run
for ((i = 0; i < BATCH_N; i++)); do
	batch_pick "$i"
	expect_status 200
	expect_no_header Access-Control-Allow-Headers "$REQ_DESC: not echoed"
done
ALIVE_AFTER="CR, LF and NUL in forwarded headers"
alive apihost

# --- dot segments in the proxied path --------------------------------------------
dots=('/a/%2e%2e/%2e%2e/secret' '/a/../../secret' '/..%2f..%2fsecret' '/%2e%2e%5csecret'
	'/a/..%5c..%5csecret' '/a\..\..\secret' '/.%2e/x' '/%2E./x' '/a/./b' '/a/%2e/b'
	'/./' '/%2e%2e' '/a/..' '/a/%2e' '/a/.%2e%2F' '/a/%2e%2E%2f' '/a/..%2F' '/..')
# Not dot segments: forwarded, under the apiPath, as they are.
fine=('/%252e%252e/secret' '/a/...' '/a/.../b' '/a..b/..c' '//evil.example/x'
	'/@evil.example/' '/x?y=/../../z' '/%2e%2e%2e/x' '/a/.b' '/a/b.')
batch_reset
for p in "${dots[@]}"; do
	batch_add "GET $p" GET "$p" "${auth[@]}" --path-as-is
done
for p in "${fine[@]}"; do
	batch_add "GET $p" GET "$p" "${auth[@]}" --path-as-is
done
batch_run
for ((i = 0; i < BATCH_N; i++)); do
	batch_pick "$i"
	if ((i < ${#dots[@]})); then
		# The program's 400, or Apache's own for dots above the root.
		expect_status 400
	else
		expect_status 200
		body=
		IFS= read -r -d '' body <"$RES_BODY"
		p=${fine[i - ${#dots[@]}]}
		if [[ $body == *"\"path\": \"/api${p//\\/\\\\}\""* ]]; then
			ok "$REQ_DESC: the app got /api$p, nothing else"
		else
			not_ok "$REQ_DESC: the app got /api$p" "body: $(body_excerpt)"
		fi
	fi
done
expect_db_same apihost "$SNAP" "CR/LF in headers and dot segments"
ALIVE_AFTER="dot segments"
alive apihost

# --- SQL injection: tokens, secrets, keepalive, page ids, paths, queries --------
batch_reset
for s in "${SQLI[@]}"; do
	batch_add "GET / with 'Bearer $s'" GET / -H "Authorization: Bearer $s"
	batch_add "GET / with Basic (git/) password '$s'" GET / -A git/2.39 -u "x:$s"
	batch_add "POST /.apihost/offer-template with grain secret '$s'" POST \
		/.apihost/offer-template -H "Authorization: Bearer $s" "${json[@]}" \
		--data-binary '{"template":"$API_TOKEN"}'
	batch_add "GET / with X-Sandstorm-Token-Keepalive: $s" GET / "${auth[@]}" \
		-H "X-Sandstorm-Token-Keepalive: $s"
	uri_enc -v e "$s"
	batch_add "GET /.apihost/offer/$s" GET "/.apihost/offer/$e"
done
rep b64big A 3000
batch_add "GET / with Basic (git/) credentials of 3000 characters" GET / -A git/2.39 \
	-H "Authorization: Basic $b64big"
for v in 0 -1 1.5 1e3 86400001 99999999999999999999 0x10 '5 5' '5,5'; do
	batch_add "GET / with X-Sandstorm-Token-Keepalive: '$v'" GET / "${auth[@]}" \
		-H "X-Sandstorm-Token-Keepalive: $v"
done
batch_run
for ((i = 0; i < BATCH_N; i++)); do
	batch_pick "$i"
	case $REQ_DESC in
	*"with 'Bearer "* | *"password '"* | *"3000 characters") expect_status 403 ;;
	*"grain secret"*) expect_status 401 ;;
	*Keepalive*) expect_status 400 ;;
	*offer/*) expect_status 404 ;;
	esac
done
# In a path or a query they are the app's business: forwarded verbatim.
batch_reset
for s in "${SQLI[@]}"; do
	uri_enc -v e "$s"
	batch_add "GET /$s?q=$s (forwarded)" GET "/$e?q=$e" "${auth[@]}"
done
batch_run
i=0
for s in "${SQLI[@]}"; do
	batch_pick "$i"
	uri_enc -v e "$s"
	expect_status 200
	expect_body_has "\"path\": \"/api/$e?q=$e\""
	i=$((i + 1))
done
expect_db_same apihost "$SNAP" "SQL in tokens, secrets, keepalives, page ids and paths"
ALIVE_AFTER="SQL in tokens, secrets, keepalives, page ids and paths"
alive apihost

# --- offer templates: SQL in every field, stored as text ----------------------------
tok0=$(db_count apihost token)
off0=$(db_count apihost offer)
batch_reset
for s in "${SQLI[@]}"; do
	json_str -v q "$s"
	batch_add "POST offer-template (template, petname, userId, username: $s)" POST \
		/.apihost/offer-template "${gauth[@]}" "${json[@]}" \
		--data-binary "{\"template\":$q,\"petname\":$q,\"userId\":$q,\"username\":$q}"
	batch_add "POST offer-template (permissions [$s])" POST \
		/.apihost/offer-template "${gauth[@]}" "${json[@]}" \
		--data-binary "{\"template\":\"\$API_TOKEN\",\"permissions\":[$q]}"
done
batch_run
for ((i = 0; i < BATCH_N; i++)); do
	batch_pick "$i"
	if ((i % 2 == 0)); then
		expect_status 201
	else
		expect_status 400
	fi
done
check "each taken offer adds one token and one offer" \
	"tokens $tok0 → $(db_count apihost token), offers $off0 → $(db_count apihost offer)" \
	test "$(db_count apihost token)" -eq $((tok0 + ${#SQLI[@]})) -a \
	"$(db_count apihost offer)" -eq $((off0 + ${#SQLI[@]}))
tables=$(sqlite3 -readonly "file:$GH_STATE/apihost.db?mode=ro" \
	"SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master
	 WHERE type = 'table' ORDER BY name)")
check "every apihost table is still there" "tables: $tables" test "$tables" = "grain offer token"
# The last one's page, escaped; its token, used: the app is told the
# user id as it was given and the name URI-encoded, on lines of their own.
batch_pick $((BATCH_N - 2))
page=$(jq -r .url "$RES_BODY")
page=/${page#https://*/}
req GET "$page"
expect_status 200 "GET the offer page of the SQL-laden template → 200"
expect_body_has "1 UNION SELECT sqlite_version()</pre>"
otok=$(sed -n 's/.*data-token="\([A-Za-z0-9_-]\{43\}\)".*/\1/p' "$RES_BODY")
req GET /as-offered -H "Authorization: Bearer $otok"
expect_status 200 "GET through the gateway with the offered token → 200"
expect_body_has '"X-Sandstorm-User-Id": "1 UNION SELECT sqlite_version()"'
expect_body_has '"X-Sandstorm-Username": "1%20UNION%20SELECT%20sqlite_version%28%29"'
SNAP=$(db_snap apihost)

# --- offer templates: CR, LF, NUL, bad JSON, numbers, content types, size -----------
rep deep '[' 10000
rep open17 '[' 17
rep close17 ']' 17
rep pad x 17000
printf '{"template":"%s"}' "$pad" >"$GH_STATE/pad.json"
rep long129 x 129
rep long4097 x 4097
bodies=()
for f in petname userId username; do
	for v in 'x\r\nX-Injected: yes' 'x\n' 'x\r' 'x\u0000' 'x\u001b' 'x\u007f' "$long129"; do
		bodies+=("{\"template\":\"\$API_TOKEN\",\"$f\":\"$v\"}")
	done
done
for v in 'x\r\ny' 'x\r' 'x\u0000' 'x\u0001' '' "$long4097"; do
	bodies+=("{\"template\":\"$v\"}")
done
for v in '["a\r\nb"]' '["a b"]' '["a,b"]' '[""]' '["a\u0000"]' '"read"' '[1]' '[null]' \
	'{"0":"read"}' '[["read"]]'; do
	bodies+=("{\"template\":\"\$API_TOKEN\",\"permissions\":$v}")
done
bodies+=("$deep" "{\"template\":${open17}\"x\"$close17}" '{"template":"$API_TOKEN"'
	'{"template":"$API_TOKEN"}x' '{"template":"$API_TOKEN"}{}' '' 'null' '[]' '"x"'
	'{"template":"$API_TOKEN","template":"$API_HOST"}' '{"template":"x","extra":1}'
	'{"template":1}' '{"template":1e400}' '{"template":-1}' '{"template":true}'
	'{"template":null}' '{"template":["x"]}' '{"template":"x","userId":99999999999999999999}'
	'{"template":"x","petname":1.5}')
printf '{"template":"a\xffb"}' >"$GH_STATE/ff.json"
printf '{"template":"a\xc0\xafb"}' >"$GH_STATE/overlong.json"
printf '{"template":"a\0b"}' >"$GH_STATE/nul.json"
printf '{"template":"a\r\nb"}' >"$GH_STATE/rawcrlf.json"
batch_reset
for b in "${bodies[@]}"; do
	batch_add "POST offer-template $b" POST /.apihost/offer-template "${gauth[@]}" \
		"${json[@]}" --data-binary "$b"
done
for f in ff overlong nul rawcrlf; do
	batch_add "POST offer-template ($f.json)" POST /.apihost/offer-template "${gauth[@]}" \
		"${json[@]}" --data-binary "@$GH_STATE/$f.json"
done
nbad=$BATCH_N
for ct in text/plain application/x-www-form-urlencoded text/html 'application/json-seq'; do
	batch_add "POST offer-template with Content-Type: $ct" POST /.apihost/offer-template \
		"${gauth[@]}" -H "Content-Type: $ct" --data-binary '{"template":"$API_TOKEN"}'
done
batch_add "POST offer-template with no Content-Type" POST /.apihost/offer-template \
	"${gauth[@]}" -H 'Content-Type:' --data-binary '{"template":"$API_TOKEN"}'
batch_add "POST offer-template as multipart/form-data" POST /.apihost/offer-template \
	"${gauth[@]}" -F 'template=$API_TOKEN'
nct=$BATCH_N
batch_add "POST offer-template with a 17 kB body (cap 16 KiB)" POST \
	/.apihost/offer-template "${gauth[@]}" "${json[@]}" \
	--data-binary "@$GH_STATE/pad.json"
batch_run
for ((i = 0; i < BATCH_N; i++)); do
	batch_pick "$i"
	if ((i < nbad)); then
		expect_status 400
	elif ((i < nct)); then
		expect_status 415
	else
		expect_status 413
	fi
done
expect_db_same apihost "$SNAP" "bad offer templates"
ALIVE_AFTER="bad offer templates"
alive apihost

# --- the gateway's own cap, and a method in lower case ----------------------------
# max_body is 100000 here: a larger upload is refused before a byte of it
# goes to the app.
rep b150k x 150000
printf '%s' "$b150k" >"$GH_STATE/b150k"
batch_reset
batch_add "POST /upload with 150000 bytes (max_body 100000)" POST /upload "${auth[@]}" \
	-H 'Content-Type: application/octet-stream' --data-binary "@$GH_STATE/b150k" --http1.1
batch_add "PUT /upload with 150000 bytes (max_body 100000)" PUT /upload "${auth[@]}" \
	-H 'Content-Type: application/octet-stream' --data-binary "@$GH_STATE/b150k" --http1.1
batch_run
batch_expect 413
raw_req api.localhost "method 'get' with a token" \
	"get /x HTTP/1.1\r\nHost: api.localhost\r\nAuthorization: Bearer $API_TOKEN\r\nConnection: close\r\n\r\n"
# lighttpd answers an unknown method 501 itself (RFC 9110, 9.1); Apache
# hands it on and the gateway, which passes only upper-case methods, 405.
expect_status "$(by_server 501 405)"
expect_db_same apihost "$SNAP" "oversized uploads and a bad method"
ALIVE_AFTER="everything"
alive apihost

finish
