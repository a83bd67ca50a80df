#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Hostile input to the factory (doc/spec/factory-api.md, doc/factory.md:
# how we read it): SQL injection in every field of POST /v1/site, in the
# domain of both GET routes and in the token; CR and LF in domains and
# callback URLs (and what the callback then carries on the wire); NUL,
# \u0000 and invalid UTF-8; deeply nested, oversized, truncated and
# duplicated JSON; wrong types and numbers out of range; wrong content
# types.  Every refused request is a 4xx and writes nothing (factory.db's
# row counts and content before and after); the factory keeps serving.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

GH_HOST=factory.localhost
# No worker is started by an order (worker_program empty), so that only
# the requests change the database while it is watched; the callback
# check below runs one worker pass itself, as cron would.
before_start() {
	sed -i 's|^worker_program = .*|worker_program =|' "$1/gatehouse.conf"
}
hostile_start

auth=(-H "Authorization: Bearer $GH_MOCK_TOKEN")
json=(-H 'Content-Type: application/json')
CB='https://hallo.example/cb'
mapfile -t SQLI < <(sqli site_order)

# body DOMAIN CALLBACK SECRET: an order as JSON, each value as given
# (already JSON: a string with its quotes, or any other value).
body() {
	printf '{"domain":%s,"callback":%s,"installerSecret":%s}' "$1" "$2" "$3"
}

# post DESC BODY [curl args…]: queue POST /v1/site in the batch.
post() {
	local desc=$1 b=$2
	shift 2
	batch_add "POST /v1/site $desc" POST /v1/site "${auth[@]}" "${json[@]}" \
		--data-binary "$b" "$@"
}

ALIVE_AFTER="the set-up"
alive factory
SNAP=$(db_snap factory)

# --- GET /v1/domain/<domain> and /v1/site/<domain> -------------------------------
# A bad name is a 400 from the program; lighttpd refuses an encoded NUL,
# CR or LF or invalid UTF-8 in a path itself (400), Apache an encoded NUL
# (its 404).
rep a64 a 64
rep label10 abcdefghi. 26
names=()
for s in "${SQLI[@]}"; do
	uri_enc -v e1 "$s"
	uri_enc -v e2 "x.gent$s"
	names+=("$e1" "$e2")
done
names+=(
	'a%0d%0aX-Injected:%20y.gent' 'a.gent%0d%0a' '%2e%2e' '%2e%2e%2f%2e%2e%2fetc'
	'..%2f..%2fetc' 'x.gent%2f..' '%252e%252e' 'b%C3%BCcher.gent' 'a%ff.gent'
	'A.GENT%20' "$a64.gent" "${label10}gent"
)
for route in domain site; do
	batch_reset
	for n in "${names[@]}"; do
		batch_add "GET /v1/$route/$n" GET "/v1/$route/$n" "${auth[@]}" --path-as-is
	done
	for n in 'a%00.gent' 'x.gent%00'; do
		batch_add "GET /v1/$route/$n (encoded NUL)" GET "/v1/$route/$n" "${auth[@]}"
	done
	batch_run
	for ((i = 0; i < BATCH_N; i++)); do
		batch_pick "$i"
		if ((i >= ${#names[@]})); then
			expect_status "$(by_server 400 404)"
		else
			expect_status 400
		fi
	done
done
# The token: SQL in the Authorization header is no token at all.
rep A2000 A 2000
batch_reset
for s in "${SQLI[@]}"; do
	batch_add "GET /v1/domain/available.gent with 'Bearer $s'" GET \
		/v1/domain/available.gent -H "Authorization: Bearer $s"
	batch_add "POST /v1/site with 'Bearer $s'" POST /v1/site \
		-H "Authorization: Bearer $s" "${json[@]}" \
		--data-binary "$(body '"tok.gent"' "\"$CB\"" '"s3cret"')"
done
batch_add "GET /v1/domain/available.gent with a 2000-byte token" GET \
	/v1/domain/available.gent -H "Authorization: Bearer $A2000"
batch_run
batch_expect 401
ALIVE_AFTER="hostile names and tokens"
alive factory
expect_db_same factory "$SNAP" "hostile GETs and tokens"

# --- POST /v1/site: SQL injection in every field ----------------------------------------
# domain: never a valid name, 400.  callback: SQL that holds a space, a
# quote or a backslash is not a URL, 400.  installerSecret: any bytes are
# a secret, so each of these is a real order (below), and its secret is
# kept (as a MAC) and compared, never run.
batch_reset
for s in "${SQLI[@]}"; do
	json_str -v q "$s"
	json_str -v qcb "$CB/$s"
	post "(domain $s)" "$(body "$q" "\"$CB\"" '"s3cret"')"
	post "(callback $CB/$s)" \
		"$(body '"sqli-cb.gent"' "$qcb" '"s3cret"')"
done
batch_run
batch_expect 400
expect_db_same factory "$SNAP" "SQL injection in domain and callback"
ALIVE_AFTER="SQL injection in domain and callback"
alive factory

n0=$(db_count factory site_order)
batch_reset
i=0
for s in "${SQLI[@]}"; do
	post "(installerSecret $s)" \
		"$(json_str -v q "$s"; body "\"sqli-$i.gent\"" "\"$CB\"" "$q")"
	i=$((i + 1))
done
# A callback URL with SQL in it that is a URL all the same: stored as is.
sqlcb="$CB/x');DROP%20TABLE%20site_order;--"
post "(callback $sqlcb)" "$(body '"sqli-url.gent"' "\"$sqlcb\"" '"s3cret"')"
batch_run
batch_expect 201
n1=$(db_count factory site_order)
check "each SQL-bearing order adds exactly one row ($n0 → $n1)" "site_order: $n0 → $n1" \
	test "$n1" -eq $((n0 + ${#SQLI[@]} + 1))
stored=$(sqlite3 -readonly "file:$GH_STATE/factory.db?mode=ro" \
	"SELECT callback FROM site_order WHERE domain = 'sqli-url.gent'")
check "the SQL in a callback URL is stored verbatim" "stored: $stored" \
	test "$stored" = "$sqlcb"
tables=$(sqlite3 -readonly "file:$GH_STATE/factory.db?mode=ro" \
	"SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master
	 WHERE type = 'table' ORDER BY name)")
check "every factory table is still there" "tables: $tables" \
	test "$tables" = "callback_attempt client order_step site_order taken_domain"
# The same order again (its SQL secret compared, not run): the same
# order; another secret for that domain: 409.
batch_reset
post "(the SQL-secret order again)" "$(body '"sqli-0.gent"' "\"$CB\"" "$(json_str "${SQLI[0]}")")"
post "(that domain, another SQL secret)" "$(body '"sqli-0.gent"' "\"$CB\"" "$(json_str "${SQLI[1]}")")"
batch_add "GET /v1/site/sqli-0.gent" GET /v1/site/sqli-0.gent "${auth[@]}"
batch_run
batch_pick 0; expect_status 201; expect_body_has '"domain":"sqli-0.gent"'
batch_pick 1; expect_status 409
batch_pick 2; expect_status 200; expect_body_has "\"callback\":\"$CB\""
SNAP=$(db_snap factory)

# --- CR and LF ------------------------------------------------------------------
# Raw, or as JSON escapes, a CR or LF is never part of a name or a URL.
crlf=$'\r\nX-Injected: yes'
batch_reset
post "(CRLF in domain)" "$(body "$(json_str "crlf.gent$crlf")" "\"$CB\"" '"s3cret"')"
post "(LF in domain)" "$(body "$(json_str $'crlf.gent\n')" "\"$CB\"" '"s3cret"')"
post "(CRLF in callback)" "$(body '"crlf.gent"' "$(json_str "$CB$crlf")" '"s3cret"')"
post "(CR in callback)" "$(body '"crlf.gent"' "$(json_str $'https://hallo.example/a\rb')" '"s3cret"')"
post "(CRLF in callback's host)" "$(body '"crlf.gent"' "$(json_str $'https://hallo.example\r\n.evil/cb')" '"s3cret"')"
post "(raw CRLF inside the domain string)" \
	"$(printf '{"domain":"crlf.gent\r\nX: y","callback":"%s","installerSecret":"s"}' "$CB")"
post "(raw LF inside the callback string)" \
	"$(printf '{"domain":"crlf.gent","callback":"%s\nX: y","installerSecret":"s"}' "$CB")"
post "(%0d%0a in domain)" "$(body '"crlf%0d%0a.gent"' "\"$CB\"" '"s3cret"')"
batch_run
batch_expect 400
expect_db_same factory "$SNAP" "CR and LF in domains and callbacks"
ALIVE_AFTER="CR and LF"
alive factory

# --- NUL, \u0000, invalid UTF-8 --------------------------------------------------------
printf '{"domain":"nul.gent","callback":"%s","installerSecret":"a\0b"}' "$CB" >"$GH_STATE/nul.json"
printf '{"domain":"nul\0.gent","callback":"%s","installerSecret":"ab"}' "$CB" >"$GH_STATE/nul2.json"
printf '{"domain":"utf.gent","callback":"%s","installerSecret":"a\xffb"}' "$CB" >"$GH_STATE/ff.json"
printf '{"domain":"utf.gent","callback":"%s","installerSecret":"a\xc0\xafb"}' "$CB" >"$GH_STATE/overlong.json"
printf '{"domain":"utf.gent","callback":"%s","installerSecret":"a\xed\xa0\x80b"}' "$CB" >"$GH_STATE/surrogate.json"
printf '{"domain":"utf.gent","callback":"%s","installerSecret":"a\xf4\x90\x80\x80b"}' "$CB" >"$GH_STATE/above.json"
printf '{"domain":"b\xc3\xbccher.gent","callback":"%s","installerSecret":"ab"}' "$CB" >"$GH_STATE/idn.json"
printf '{"domain":"utf.gent","callback":"%s/\xc3\xbc","installerSecret":"ab"}' "$CB" >"$GH_STATE/cbutf.json"
printf '\xef\xbb\xbf{"domain":"bom.gent","callback":"%s","installerSecret":"ab"}' "$CB" >"$GH_STATE/bom.json"
printf '{\0"\0d\0o\0m\0a\0i\0n\0"\0:\0' >"$GH_STATE/utf16.json"
batch_reset
for f in nul nul2 ff overlong surrogate above idn cbutf bom utf16; do
	post "(body $f.json)" "@$GH_STATE/$f.json"
done
for field in domain callback installerSecret; do
	b=$(body '"nul.gent"' "\"$CB\"" '"s3cret"')
	case $field in
	domain) b=$(body '"nul\u0000.gent"' "\"$CB\"" '"s3cret"') ;;
	callback) b=$(body '"nul.gent"' "\"$CB\\u0000x\"" '"s3cret"') ;;
	installerSecret) b=$(body '"nul.gent"' "\"$CB\"" '"s3\u0000cret"') ;;
	esac
	post "(\\u0000 in $field)" "$b"
done
post "(a lone surrogate \\ud800 in domain)" "$(body '"\ud800.gent"' "\"$CB\"" '"s3cret"')"
post "(\\u escape for a non-ASCII letter in domain)" "$(body '"b\u00fccher.gent"' "\"$CB\"" '"s3cret"')"
batch_run
for ((i = 0; i < BATCH_N; i++)); do
	batch_pick "$i"
	expect_status 400
done
# Read back what the raw bytes were refused for: the parser's own words.
batch_pick 0; expect_body_has '"body: NUL byte in input"'
batch_pick 2; expect_body_has '"body: invalid UTF-8"'
batch_pick 3; expect_body_has '"body: invalid UTF-8"'
batch_pick 4; expect_body_has '"body: invalid UTF-8"'
batch_pick 5; expect_body_has '"body: invalid UTF-8"'
batch_pick 8; expect_body_has '"body: unexpected character"'
batch_pick 10; expect_body_has '"body: \\u0000 in a string"'
expect_db_same factory "$SNAP" "NUL and invalid UTF-8"
ALIVE_AFTER="NUL and invalid UTF-8"
alive factory

# --- JSON: depth, size, syntax, duplicates, types, numbers -------------------------
rep deep10k '[' 10000
rep close8k ']' 8000
rep deepobj '{"a":' 2000
rep open17 '[' 17
rep close17 ']' 17
nest17="{\"domain\":\"d.gent\",\"callback\":\"$CB\",\"installerSecret\":${open17}1$close17}"
rep big ' ' 16500
rep x250 x 250
rep x2100 x 2100
rep s5000 s 5000
ok_body=$(body '"json.gent"' "\"$CB\"" '"s3cret"')
bodies=(
	"$deep10k" "${deep10k:0:8000}$close8k" "$deepobj"
	"$nest17"
	"${ok_body%?}" "${ok_body:0:20}" '{' '{"domain":' ''
	"$ok_body trailing" "$ok_body{}" "$ok_body,"
	"{\"domain\":\"a.gent\",\"domain\":\"b.gent\",\"callback\":\"$CB\",\"installerSecret\":\"s\"}"
	"{\"domain\":\"json.gent\",\"callback\":\"$CB\",\"installerSecret\":\"s\",\"installerSecret\":\"t\"}"
	"{\"domain\":\"json.gent\",\"callback\":\"$CB\",\"installerSecret\":\"s\",\"extra\":1}"
	"[$ok_body]" '"json.gent"' 'null' 'true' '42'
	"$(body 42 "\"$CB\"" '"s"')" "$(body '["json.gent"]' "\"$CB\"" '"s"')"
	"$(body '{"name":"json.gent"}' "\"$CB\"" '"s"')" "$(body true "\"$CB\"" '"s"')"
	"$(body null "\"$CB\"" '"s"')" "$(body '"json.gent"' 7 '"s"')"
	"$(body '"json.gent"' "\"$CB\"" 5)" "$(body '"json.gent"' "\"$CB\"" '["s"]')"
	"$(body 1e400 "\"$CB\"" '"s"')" "$(body -1 "\"$CB\"" '"s"')" "$(body 1.5 "\"$CB\"" '"s"')"
	"$(body 99999999999999999999999 "\"$CB\"" '"s"')"
	"$(body '"json.gent"' "\"$CB\"" -9223372036854775809)"
	"$(body '"json.gent"' "\"$CB\"" NaN)" "$(body '"json.gent"' "\"$CB\"" Infinity)"
	"$(body '"json.gent"' "\"$CB\"" 0x10)" "$(body '"json.gent"' "\"$CB\"" 01)"
	"$(body '"json.gent"' "\"$CB\"" "'s'")"
	"{domain:\"json.gent\",callback:\"$CB\",installerSecret:\"s\"}"
	"$(body '"json.gent"' "\"$CB\"" '""')"
	"$(body "\"$x250.gent\"" "\"$CB\"" '"s"')"
	"$(body '"json.gent"' "\"$CB/$x2100\"" '"s"')"
	"$(body '"json.gent"' "\"$CB\"" "\"$s5000\"")"
)
# Callback URLs that would name another host than they seem to, or none.
for u in https://127.1/cb https://0x7f000001/cb https://2130706433/cb \
	https://hallo.example@127.0.0.1/cb https://hallo.example%40evil.example/cb \
	'https://hallo.example\\@evil.example/cb' https://hallo.example:99999/cb \
	https://hallo.example:0/cb https:///cb //hallo.example/cb 'javascript:alert(1)' \
	file:///etc/passwd 'https://hallo.example/cb#x' 'https://hallo.example/cb?x=1' \
	'https://hallo.example/%zz' 'https://hallo.example/cb%0' 'ftp://hallo.example/cb'; do
	bodies+=("$(body '"json.gent"' "\"$u\"" '"s"')")
done
batch_reset
for b in "${bodies[@]}"; do
	post "(body '$b')" "$b"
done
post "(a 16.5 kB body, over max_body)" "{\"domain\":\"big.gent\",\"pad\":\"$big\"}"
batch_run
for ((i = 0; i < BATCH_N - 1; i++)); do
	batch_pick "$i"
	expect_status 400
done
# The same, sent chunked (no Content-Length): the web server collects
# the body first, and the program's cap answers.
req POST /v1/site "${auth[@]}" "${json[@]}" -H 'Transfer-Encoding: chunked' --http1.1 \
	--data-binary "{\"domain\":\"big.gent\",\"pad\":\"$big\"}"
expect_status 413 "POST /v1/site with a 16.5 kB chunked body → 413"
batch_pick 0; expect_body_has '"body: nesting too deep"'
batch_pick 3; expect_body_has '"body: nesting too deep"'
batch_pick 12; expect_body_has '"body: duplicate key in an object"'
batch_pick 9; expect_body_has '"body: trailing bytes after the JSON value"'
batch_pick $((BATCH_N - 1)); expect_status 413
expect_db_same factory "$SNAP" "bad JSON"
ALIVE_AFTER="bad JSON"
alive factory

# --- content types ----------------------------------------------------------------------
# The body must be JSON: any other Content-Type is a 415 (none at all is
# read as JSON).
batch_reset
for ct in text/plain application/x-www-form-urlencoded application/xml \
	'application/json-patch+json' application/jsonp 'text/json' \
	'application/json, text/plain' 'application/json x'; do
	batch_add "POST /v1/site with Content-Type: $ct" POST /v1/site "${auth[@]}" \
		-H "Content-Type: $ct" --data-binary "$ok_body"
done
batch_add "POST /v1/site as multipart/form-data" POST /v1/site "${auth[@]}" \
	-F 'domain=json.gent' -F "callback=$CB" -F 'installerSecret=s'
batch_add "POST /v1/site as a form (curl -d)" POST /v1/site "${auth[@]}" \
	-d "domain=json.gent&callback=$CB&installerSecret=s"
batch_run
batch_expect 415
expect_db_same factory "$SNAP" "wrong content types"
# No Content-Type at all is read as JSON (doc/factory.md): a good order is taken.
n0=$(db_count factory site_order)
req POST /v1/site "${auth[@]}" -H 'Content-Type:' \
	--data-binary "$(body '"no-type.gent"' "\"$CB\"" '"s3cret"')"
expect_status 201 "POST /v1/site without Content-Type (read as JSON) → 201"
check "that order is one row" "site_order: $n0 → $(db_count factory site_order)" \
	test "$(db_count factory site_order)" -eq $((n0 + 1))

# --- a percent-encoded CRLF in a callback: it stays encoded on the wire ----------------
# %0d%0a is valid in a URL path, so the order is taken; the callback the
# worker makes must carry it as those six characters, never as a line end
# that starts a header of the client's choosing.
RECV_PID=
"$SYS_PYTHON" "$GH_ROOT/tests/integration/receiver.py" "$GH_STATE/recv.port" \
	"$GH_STATE/recv.log" >>"$GH_STATE/log/receiver.log" 2>&1 &
RECV_PID=$!
HOSTILE_PIDS+=("$RECV_PID")
for ((i = 0; i < 200; i++)); do
	[[ -s $GH_STATE/recv.port ]] && break
	sleep 0.05
done
rport=$(cat "$GH_STATE/recv.port" 2>/dev/null)
: >"$GH_STATE/recv.log"
cbenc="http://127.0.0.1:$rport/cb%0d%0aX-Injected:%20yes%0d%0a"
req POST /v1/site "${auth[@]}" "${json[@]}" \
	--data-binary "$(body '"encoded-crlf.gent"' "\"$cbenc\"" '"s3cret"')"
expect_status 201
gh_worker "$GH_STATE" -q 2>>"$GH_STATE/log/worker.log"
for ((i = 0; i < 50; i++)); do
	[[ -s $GH_STATE/recv.log ]] && break
	sleep 0.1
done
line=$(head -n 1 "$GH_STATE/recv.log")
check "the callback arrives" "receiver log: '$line'" test -n "$line"
check "the callback's path keeps %0d%0a encoded" "receiver log: $line" \
	eval '[[ $(jq -r .path <<<"$line") == "/cb%0d%0aX-Injected:%20yes%0d%0a/site/encoded-crlf.gent?status=201" ]]'
check "the callback carries no injected header" "receiver log: $line" \
	eval '[[ $(jq -r ".headers | has(\"x-injected\")" <<<"$line") == false ]]'

finish
