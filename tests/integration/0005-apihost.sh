#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# apihost (shared spec apihost-api.md and NOTES.md) through a real web
# server, with the echo app (echo.py) as the grain: webkeys from gatectl,
# header sanitising both ways, CORS and preflight, Basic auth for the
# allowed agents only, revoked and expired tokens, the page for a browser,
# offer templates and keepalive, 200 MiB up and down in bounded memory,
# headless Chromium calling the API from another origin and reading an
# offer IFRAME, upstream addresses the policy denies (502), a slow app
# (504) and an app that is down (502).

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

GH_HOST=api.localhost
# Offer tokens lapse unused after 20 s here (900 by default), so that the
# test sees one lapse.
before_start() {
	sed -i 's/^offer_expiry_s = .*/offer_expiry_s = 20/' "$1/gatehouse.conf"
}
start_server "$GH_SERVER"

trap 'stop_echo; cleanup' EXIT
start_echo
check "the echo app listens" "no port file" test -n "$ECHO_PORT"

# expect_body_lacks TEXT [DESC]
expect_body_lacks() {
	local desc=${2:-"$REQ_DESC: body does not hold '$1'"}
	if grep -qF -- "$1" "$RES_BODY"; then
		not_ok "$desc" "body: $(body_excerpt)"
	else
		ok "$desc"
	fi
}

# expect_cors: the CORS and sandboxing headers of every gateway answer.
expect_cors() {
	expect_header Access-Control-Allow-Origin '^\*$' "$REQ_DESC: Access-Control-Allow-Origin: *"
	expect_header Vary 'Authorization' "$REQ_DESC: Vary: Authorization"
	expect_header Content-Security-Policy "^default-src 'none'; sandbox$" "$REQ_DESC: CSP sandbox"
	expect_header Access-Control-Expose-Headers 'Content-Type' "$REQ_DESC: Access-Control-Expose-Headers"
}

# --- grains and webkeys -------------------------------------------------------

secret=$(gatectl apihost grain add echo --upstream "http://127.0.0.1:$ECHO_PORT" \
	--api-path /api/ 2>"$GH_STATE/ctl.err")
secret "$secret"
check "gatectl apihost grain add prints the grain secret alone" \
	"stdout: '$secret' stderr: $(cat "$GH_STATE/ctl.err")" \
	eval '[[ $secret =~ ^[A-Za-z0-9_-]{43}$ ]]'
out=$(gatectl apihost grain add echo --upstream http://127.0.0.1:1 --api-path /api/ 2>&1)
check "gatectl apihost grain add refuses a name twice" "$out" eval '[[ $out == *exists* ]]'
out=$(gatectl apihost grain add bad --upstream ftp://x --api-path api 2>&1)
check "gatectl apihost grain add refuses a bad upstream" "$out" eval '[[ $out == *URL* ]]'

# token_add ARGS…: a webkey on stdout; sets WEBKEY, TOKEN and TOKEN_ID.
token_add() {
	WEBKEY=$(gatectl apihost token add --grain echo "$@" 2>"$GH_STATE/ctl.err")
	TOKEN=${WEBKEY#*#}
	secret "$TOKEN"
	TOKEN_ID=$(sed -n 's/.*token \([0-9]*\) for grain.*/\1/p' "$GH_STATE/ctl.err")
}

token_add --user-id u-1 --username 'Ada Lovelace' --permissions read,write \
	--petname 'test key'
check "gatectl apihost token add prints a webkey alone" \
	"stdout: '$WEBKEY' stderr: $(cat "$GH_STATE/ctl.err")" \
	eval '[[ $WEBKEY =~ ^https://api\.localhost:$GH_PORT#[A-Za-z0-9_-]{43}$ ]]'
auth=(-H "Authorization: Bearer $TOKEN")
MAIN_TOKEN=$TOKEN

# --- the request the app sees ----------------------------------------------------

req GET '/some/path?x=1&y=%20' "${auth[@]}" -H 'Cookie: session=browser' \
	-H 'X-Sandstorm-User-Id: forged' -H 'X-Sandstorm-Permissions: admin' \
	-H 'X-Sandstorm-App-Color: blue' -H 'X-Other: dropped' \
	-H 'Accept: application/json' -H 'X-Requested-With: XMLHttpRequest'
expect_status 200
expect_json .method GET
expect_json .path '/api/some/path?x=1&y=%20'
expect_json .headers.Cookie null "the app gets no Cookie"
expect_json .headers.Authorization null "the app gets no Authorization"
expect_json '.headers["X-Other"]' null "the app gets no header off the allow-list"
expect_json '.headers["X-Sandstorm-App-Color"]' blue "X-Sandstorm-App-* reaches the app"
expect_json '.headers["X-Requested-With"]' XMLHttpRequest
expect_json .headers.Accept application/json
expect_json '.headers["X-Sandstorm-User-Id"]' u-1 "X-Sandstorm-User-Id is the token's, not the client's"
expect_json '.headers["X-Sandstorm-Username"]' 'Ada%20Lovelace' "X-Sandstorm-Username is URI-encoded"
expect_json '.headers["X-Sandstorm-Permissions"]' read,write "X-Sandstorm-Permissions is the token's"
expect_json_match '.headers["X-Sandstorm-Tab-Id"]' '^[0-9a-f]{32}$'
expect_json '.headers["X-Sandstorm-Session-Type"]' api
expect_header X-Echo '^yes$' "the app's own headers reach the client"
expect_no_header Set-Cookie "the app's Set-Cookie never reaches the client"
expect_cors
check "the app's Access-Control-Allow-Origin is replaced" \
	"$(res_header Access-Control-Allow-Origin | tr '\n' ' ')" \
	eval '[[ $(res_header Access-Control-Allow-Origin) == "*" ]]'

req POST /upload "${auth[@]}" -H 'Content-Type: text/plain' --data-binary 'hello'
expect_status 200
expect_json .method POST
expect_json .body_bytes 5
expect_json '.headers["Content-Type"]' text/plain

req PUT /doc "${auth[@]}" --data-binary '{}' -H 'Content-Type: application/json'
expect_json .method PUT
req DELETE /doc "${auth[@]}"
expect_json .method DELETE
req HEAD /doc "${auth[@]}"
expect_status 200
expect_header X-Echo '^yes$'

# WebDAV's methods reach the app too, with Depth.
req PROPFIND /dav/ "${auth[@]}" -H 'Depth: 1' -H 'Content-Type: application/xml' \
	--data-binary '<propfind xmlns="DAV:"><allprop/></propfind>'
expect_status 200
expect_json .method PROPFIND
expect_json .headers.Depth '"1"'
expect_json .body_bytes 44

# A body of unknown length (HTTP/1.1 chunked) reaches the app whole.
req POST /chunked "${auth[@]}" --http1.1 -H 'Transfer-Encoding: chunked' \
	--data-binary "$(head -c 100000 /dev/zero | tr '\0' c)"
expect_status 200
expect_json .body_bytes 100000

# Connections to the app are kept alive: 20 requests one after the other
# come over fewer connections than requests (without reuse: 20).
ports=
for i in $(seq 20); do
	req GET "/keepalive/$i" "${auth[@]}"
	ports+="$(json_value .peer_port) "
done
nports=$(tr ' ' '\n' <<<"$ports" | grep -c . )
distinct=$(tr ' ' '\n' <<<"$ports" | grep . | sort -u | wc -l)
check "connections to the app are reused: 20 requests over $distinct connections" \
	"ports: $ports" eval '((nports == 20 && distinct < 20))'

# A dot segment, even encoded, never climbs out of the apiPath.
req GET '/a/%2e%2e/%2E%2E/secret' "${auth[@]}"
check "$REQ_DESC: stays under the apiPath (400, or normalised by the server)" \
	"status $RES_STATUS body $(body_excerpt)" \
	eval '[[ $RES_STATUS == 400 ]] || [[ $(json_value .path) == \"/api/* ]]'

# --- CORS preflight ------------------------------------------------------------

req OPTIONS /anything -H 'Origin: https://page.example' \
	-H 'Access-Control-Request-Method: POST' \
	-H 'Access-Control-Request-Headers: authorization, content-type'
expect_status 200 "preflight without a token → 200"
expect_header Access-Control-Allow-Origin '^\*$'
expect_header Access-Control-Allow-Methods 'POST'
expect_header Access-Control-Allow-Headers 'authorization, content-type'
expect_header Access-Control-Max-Age '^[0-9]+$'

# --- no token, bad tokens ------------------------------------------------------------

req GET /
REQ_DESC+=" (no token)"
expect_status 403
expect_body_contains 'serves an API'
expect_header Content-Type '^text/plain'
expect_cors

req GET / -A 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0' \
	-H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8'
REQ_DESC+=" (a browser)"
expect_status 403
expect_header Content-Type '^text/html'
expect_body_contains '<h1>This is an API host</h1>'
expect_cors

req GET /info/refs -A 'git/2.39.2' -u "x:$TOKEN"
REQ_DESC+=" (Basic, git/2.39)"
expect_status 200
expect_json .headers.Authorization null "the app gets no Authorization from Basic either"
expect_json '.headers["X-Sandstorm-User-Id"]' u-1

req GET /info/refs -A 'git/2.39.2'
REQ_DESC+=" (git/2.39, no credentials)"
expect_status 401
expect_header WWW-Authenticate '^Basic'
expect_cors

req GET / -u "x:$TOKEN"
REQ_DESC+=" (Basic from curl's User-Agent)"
expect_status 403

# An answer before the body is read (no token) must not break the
# exchange while the server still streams the body to the program.
body20k=$(head -c 20000 /dev/zero | tr '\0' a)
early=
for i in $(seq 10); do
	req POST /upload --data-binary "$body20k"
	[[ $RES_STATUS == 403 ]] || early+="$RES_STATUS $RES_ERROR; "
	req POST /.apihost/offer-template -H 'Content-Type: application/json' \
		--data-binary '{"template":"x $API_TOKEN"}'
	[[ $RES_STATUS == 401 ]] || early+="$RES_STATUS $RES_ERROR; "
done
check "POSTs refused before their body is read: 10 x 403 and 10 x 401" \
	"$early" test -z "$early"

req GET / -H 'Authorization: Bearer not-a-token'
REQ_DESC+=" (invalid token)"
expect_status 403
expect_body_contains 'Invalid authorization token'
expect_cors

token_add --user-id u-2 --username bob --permissions read --petname 'to revoke'
revoke_token=$TOKEN
req GET / -H "Authorization: Bearer $revoke_token"
expect_status 200 "$REQ_DESC (before revocation)"
if gatectl apihost token revoke "$TOKEN_ID" 2>"$GH_STATE/ctl.err"; then
	ok "gatectl apihost token revoke $TOKEN_ID"
else
	not_ok "gatectl apihost token revoke $TOKEN_ID" "$(cat "$GH_STATE/ctl.err")"
fi
sleep 1.2	# a process may trust what it looked up for a second
req GET / -H "Authorization: Bearer $revoke_token"
REQ_DESC+=" (revoked token)"
expect_status 403
expect_body_contains 'revoked'

token_add --user-id u-3 --username carol --permissions read --expires-in 1
expired_token=$TOKEN
sleep 2
req GET / -H "Authorization: Bearer $expired_token"
REQ_DESC+=" (expired token)"
expect_status 403
expect_body_contains 'expired'

out=$(gatectl apihost token list 2>&1)
check "gatectl apihost token list shows petnames, last use and states" "$out" \
	eval '[[ $out == *"test key"* && $out == *revoked* && $out == *expired* && $out == *LAST\ USED* ]]'

# --- offer templates ----------------------------------------------------------------

offer() {
	req POST /.apihost/offer-template -H 'Content-Type: application/json' "$@"
}
offer --data-binary '{"template":"x $API_TOKEN"}'
REQ_DESC+=" (no grain secret)"
expect_status 401
offer -H "Authorization: Bearer $MAIN_TOKEN" --data-binary '{"template":"x $API_TOKEN"}'
REQ_DESC+=" (an API token is not a grain secret)"
expect_status 401
offer -H "Authorization: Bearer $secret" --data-binary '{"template":"","x":1}'
REQ_DESC+=" (bad body)"
expect_status 400

offer -H "Authorization: Bearer $secret" --data-binary \
	'{"template":"Use <$API_TOKEN> to reach me at $API_HOST.","petname":"offered","permissions":["read"],"userId":"u-9","username":"dora"}'
expect_status 201
expect_json_match .url "^https://api\\.localhost:$GH_PORT/\\.apihost/offer/[A-Za-z0-9_-]{43}$"
page=$(json_value .url | tr -d '"')
page=${page#https://api.localhost:"$GH_PORT"}

req GET "$page"
expect_status 200 "GET the offer page → 200"
expect_header Content-Type '^text/html'
expect_no_header Access-Control-Allow-Origin "the offer page is not readable cross-origin"
expect_body_contains "to reach me at https://api.localhost:$GH_PORT."
offer_token=$(sed -n 's/.*data-token="\([A-Za-z0-9_-]\{43\}\)".*/\1/p' "$RES_BODY")
secret "$offer_token"
check "the offer page shows the token, escaped" "$(body_excerpt)" \
	grep -qF "Use &lt;$offer_token&gt; to reach" "$RES_BODY"
req GET /.apihost/offer.js
expect_status 200
expect_body_contains 'X-Sandstorm-Token-Keepalive'
req GET /.apihost/offer/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
expect_status 404

out=$(gatectl apihost token list 2>&1)
check "an offer token is listed as unused" "$out" \
	eval '[[ $(grep offered <<<"$out") == *unused* ]]'
req GET / -H "Authorization: Bearer $offer_token" -H 'X-Sandstorm-Token-Keepalive: 60000'
REQ_DESC+=" (keepalive)"
expect_status 204
expect_cors
out=$(gatectl apihost token list 2>&1)
check "a keepalive is not a use" "$out" eval '[[ $(grep offered <<<"$out") == *unused* ]]'
req GET /hello -H "Authorization: Bearer $offer_token"
REQ_DESC+=" (offer token)"
expect_status 200
expect_json '.headers["X-Sandstorm-User-Id"]' u-9
expect_json '.headers["X-Sandstorm-Permissions"]' read
out=$(gatectl apihost token list 2>&1)
check "the first use makes an offer token permanent" "$out" \
	eval '[[ $(grep offered <<<"$out") == *active* ]]'

# --- a real browser: fetch() through CORS, and an offer IFRAME ------------------

# A page on a second origin (http://127.0.0.1:<port>, served by Python)
# calls the API with fetch() and an Authorization header, and holds an offer
# page in an IFRAME.  Headless Chromium loads it through chromedriver's
# WebDriver API (curl + jq); the test reads the result of the call, then the
# text inside the IFRAME, and uses the token it shows.
BROWSER_PIDS=()
stop_browser() {
	local pid
	for pid in "${BROWSER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	BROWSER_PIDS=()
}
trap 'stop_browser; stop_echo; cleanup' EXIT

# wd METHOD PATH [JSON]: one WebDriver call; prints the answer's .value.
wd() {
	curl -sS --max-time 30 -X "$1" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "http://127.0.0.1:$WD_PORT$2" | jq -c .value
}

browser_test() {
	local site=$GH_STATE/site profile=$GH_STATE/chromium sid port i text
	local offer_url elem frame result browser_token
	if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
		not_ok "headless Chromium" "chromium or chromedriver is not installed"
		return
	fi
	offer -H "Authorization: Bearer $secret" --data-binary \
		'{"template":"Your key: $API_TOKEN for $API_HOST","petname":"browser"}'
	offer_url=$(json_value .url | tr -d '"')
	mkdir -p "$site" "$profile"
	cat >"$site/page.html" <<HTML
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>second origin</title></head><body>
<p id="result"></p>
<iframe id="offer-iframe" width="100%" height="55" src="$offer_url"></iframe>
<script>
fetch("https://api.localhost:$GH_PORT/from/browser", {
	headers: { "Authorization": "Bearer $MAIN_TOKEN", "Content-Type": "application/json" }
}).then(function (r) {
	return r.json().then(function (j) {
		document.getElementById("result").textContent = "status " + r.status +
		    " user " + j.headers["X-Sandstorm-User-Id"] + " path " + j.path +
		    " cookie " + (j.headers.Cookie === undefined ? "none" : "sent");
	});
}).catch(function (e) {
	document.getElementById("result").textContent = "failed " + e;
});
</script>
</body></html>
HTML
	port=$(free_port)
	(cd "$site" && exec python3 -m http.server --bind 127.0.0.1 "$port") \
		>"$GH_STATE/log/site.log" 2>&1 &
	BROWSER_PIDS+=($!)
	WD_PORT=$(free_port)
	chromedriver --port="$WD_PORT" >"$GH_STATE/log/chromedriver.log" 2>&1 &
	BROWSER_PIDS+=($!)
	for ((i = 0; i < 50; i++)); do
		curl -s --max-time 1 "http://127.0.0.1:$WD_PORT/status" >/dev/null 2>&1 &&
			curl -s --max-time 1 "http://127.0.0.1:$port/page.html" >/dev/null 2>&1 &&
			break
		sleep 0.2
	done
	sid=$(wd POST /session '{"capabilities":{"alwaysMatch":{"browserName":"chrome",
		"goog:chromeOptions":{"binary":"/usr/bin/chromium","args":["--headless",
		"--no-sandbox","--disable-gpu","--disable-quic","--no-first-run",
		"--disable-background-networking","--disable-component-update",
		"--disable-sync","--ignore-certificate-errors",
		"--user-data-dir='"$profile"'"]}}}}' | jq -r .sessionId 2>/dev/null)
	if [[ -z $sid || $sid == null ]]; then
		not_ok "headless Chromium starts" "$(tail -n 5 "$GH_STATE/log/chromedriver.log")"
		stop_browser
		return
	fi
	wd POST "/session/$sid/url" "{\"url\":\"http://127.0.0.1:$port/page.html\"}" >/dev/null
	result=
	for ((i = 0; i < 150; i++)); do
		elem=$(wd POST "/session/$sid/element" '{"using":"css selector","value":"#result"}')
		result=$(wd GET "/session/$sid/element/$(jq -r 'to_entries[0].value' <<<"$elem")/text" | jq -r .)
		[[ -n $result ]] && break
		sleep 0.2
	done
	check "a page on another origin calls the API with fetch() and Authorization (CORS)" \
		"the page says: '$result'" \
		eval '[[ $result == "status 200 user u-1 path /api/from/browser cookie none" ]]'
	frame=$(wd POST "/session/$sid/element" '{"using":"css selector","value":"#offer-iframe"}')
	wd POST "/session/$sid/frame" "{\"id\":$frame}" >/dev/null
	text=
	for ((i = 0; i < 150; i++)); do
		elem=$(wd POST "/session/$sid/element" '{"using":"css selector","value":"#offer"}')
		text=$(wd GET "/session/$sid/element/$(jq -r 'to_entries[0].value' <<<"$elem" 2>/dev/null)/text" 2>/dev/null | jq -r . 2>/dev/null)
		[[ $text == Your* ]] && break
		sleep 0.2
	done
	wd DELETE "/session/$sid" >/dev/null
	stop_browser
	browser_token=$(sed -n 's/^Your key: \([A-Za-z0-9_-]\{43\}\) for https:\/\/api\.localhost:[0-9]*$/\1/p' <<<"$text")
	check "the offer IFRAME shows the rendered template with a token" \
		"the IFRAME says: '$text'" test -n "$browser_token"
	[[ -n $browser_token ]] || return
	req GET /with/offered/token -H "Authorization: Bearer $browser_token"
	REQ_DESC+=" (the token read from the IFRAME)"
	expect_status 200
}
browser_test

# An offer token nobody uses lapses (checked after the transfers below;
# made after the browser test, whose offer would purge it first once a
# slow browser took more than 20 s).
offer -H "Authorization: Bearer $secret" --data-binary \
	'{"template":"$API_TOKEN","petname":"left unused"}'
lapse_page=$(json_value .url | tr -d '"')
lapse_page=${lapse_page#https://api.localhost:"$GH_PORT"}
req GET "$lapse_page"
lapse_token=$(sed -n 's/.*data-token="\([A-Za-z0-9_-]\{43\}\)".*/\1/p' "$RES_BODY")
secret "$lapse_token"
lapse_start=$SECONDS

# --- 200 MiB down and up, in bounded memory ---------------------------------------

# The largest VmRSS (KiB) of the apihost processes, sampled until PID ends
# (at most 5 minutes), into the file $1.
watch_rss() {
	local file=$1 pid=$2 max=0 p kb i
	for ((i = 0; i < 3000; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		for p in $(pgrep -f "^$GH_STATE/libexec/apihost"); do
			kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || continue
			[[ -n $kb ]] && ((kb > max)) && max=$kb
		done
		sleep 0.1
	done
	echo "$max" >"$file"
}

MIB200=$((200 * 1024 * 1024))
# The bound on the FastCGI process's resident memory: 20 MiB, or 64 MiB
# for a sanitizer or fuzzing build (ASan's shadow memory and quarantine).
RSS_MAX=20480
if grep -qsE -- '--enable-(sanitizers|fuzzing)' "$GH_BUILD/config.status"; then
	RSS_MAX=65536
fi
curl -sS --max-time 300 --cacert "$GH_STATE/ca.pem" \
	--resolve "api.localhost:$GH_PORT:127.0.0.1" "${auth[@]}" \
	-o /dev/null -w '%{http_code} %{size_download}' \
	"https://api.localhost:$GH_PORT/big?bytes=$MIB200" >"$GH_STATE/down.out" 2>&1 &
dl=$!
watch_rss "$GH_STATE/down.rss" "$dl"
wait "$dl"
read -r code size <"$GH_STATE/down.out"
check "200 MiB download through the gateway" "$(cat "$GH_STATE/down.out")" \
	eval '[[ $code == 200 && $size == "$MIB200" ]]'
rss=$(cat "$GH_STATE/down.rss")
check "the FastCGI process stays under $((RSS_MAX / 1024)) MiB while sending 200 MiB (max ${rss} KiB)" \
	"max VmRSS ${rss} KiB" eval '((rss > 0 && rss < RSS_MAX))'

truncate -s "$MIB200" "$GH_STATE/upload.bin"
curl -sS --max-time 300 --cacert "$GH_STATE/ca.pem" \
	--resolve "api.localhost:$GH_PORT:127.0.0.1" "${auth[@]}" \
	-X POST -T "$GH_STATE/upload.bin" -H 'Content-Type: application/octet-stream' \
	-o "$GH_STATE/up.json" -w '%{http_code}' \
	"https://api.localhost:$GH_PORT/upload" >"$GH_STATE/up.out" 2>&1 &
ul=$!
watch_rss "$GH_STATE/up.rss" "$ul"
wait "$ul"
rm -f "$GH_STATE/upload.bin"
got=$(jq -r .body_bytes "$GH_STATE/up.json" 2>/dev/null)
check "200 MiB upload through the gateway reaches the app whole" \
	"$(cat "$GH_STATE/up.out") $(head -c 300 "$GH_STATE/up.json")" \
	eval '[[ $got == "$MIB200" ]]'
rss=$(cat "$GH_STATE/up.rss")
check "the FastCGI process stays under $((RSS_MAX / 1024)) MiB while receiving 200 MiB (max ${rss} KiB)" \
	"max VmRSS ${rss} KiB" eval '((rss > 0 && rss < RSS_MAX))'

# --- the unused offer token has lapsed, and is purged -------------------------

while ((SECONDS - lapse_start < 22)); do
	sleep 1
done
req GET / -H "Authorization: Bearer $lapse_token"
REQ_DESC+=" (an offer token unused for 20 s)"
expect_status 403
expect_body_contains 'expired'
req GET "$lapse_page"
expect_status 410 "GET its offer page → 410"
out=$(gatectl apihost token purge 2>&1)
check "gatectl apihost token purge removes the lapsed offer token" "$out" \
	eval '[[ $out == *"purged "[1-9]* ]]'
req GET "$lapse_page"
expect_status 404 "GET its offer page after the purge → 404"

# --- the address policy: upstream_deny ------------------------------------------

# By default an upstream may be on loopback or a private network, but not
# link-local: the cloud metadata address is refused before any packet.
out=$(gatectl apihost grain add meta --upstream http://169.254.169.254 \
	--api-path /latest/ 2>&1)
check "gatectl apihost grain add meta (on 169.254.169.254)" "$out" test -n "$out"
meta_key=$(gatectl apihost token add --grain meta --user-id u-9 \
	--username Meta --permissions read 2>"$GH_STATE/ctl.err")
check "a token for the meta grain" "$(cat "$GH_STATE/ctl.err")" \
	eval '[[ $meta_key == *#* ]]'
req GET / -H "Authorization: Bearer ${meta_key#*#}"
REQ_DESC+=" (a grain on 169.254.169.254)"
expect_status 502
expect_body_contains 'an address this gateway may not connect to'
expect_cors
check "the log names the refused address" "$(tail -n 5 "$GH_STATE"/log/*.log 2>/dev/null)" \
	grep -rqF 'upstream address 169.254.169.254 is not allowed' "$GH_STATE/log"

# With loopback denied, the echo app (up and listening) is refused too.
policy_restart() {	# policy_restart DESC
	gh_server_stop
	if gh_server_start "$GH_SERVER" "$GH_STATE" && gh_server_wait "$GH_STATE" "$GH_PORT" 10; then
		ok "$GH_SERVER restarted $1"
	else
		not_ok "$GH_SERVER restarted $1" "it did not answer"
		finish
	fi
}
printf '\n[apihost]\nupstream_deny = 127.0.0.0/8, ::1/128\n' >>"$GH_STATE/gatehouse.conf"
policy_restart "with upstream_deny = 127.0.0.0/8, ::1/128"
req GET / "${auth[@]}"
REQ_DESC+=" (loopback denied, the app up)"
expect_status 502
expect_body_contains 'may not connect to'
expect_cors
check "the log names 127.0.0.1" "" \
	grep -rqF 'upstream address 127.0.0.1 is not allowed' "$GH_STATE/log"
sed -i '/^upstream_deny = 127.0.0.0\/8, ::1\/128$/d' "$GH_STATE/gatehouse.conf"
policy_restart "with the default upstream_deny"
req GET / "${auth[@]}"
REQ_DESC+=" (loopback allowed again)"
expect_status 200

# --- a slow app, an app that is down -------------------------------------------------

req GET '/slow?s=6' "${auth[@]}"
REQ_DESC+=" (the app answers after 6 s; the limit is 3 s)"
expect_status 504
expect_body_contains 'did not answer'
expect_cors

if grep -qF "$MAIN_TOKEN" "$GH_STATE"/log/*.log 2>/dev/null; then
	not_ok "no token in the logs"
else
	ok "no token in the logs"
fi

stop_echo
req GET / "${auth[@]}"
REQ_DESC+=" (the app is down)"
expect_status 502
expect_body_contains 'not reachable'
expect_cors

if [[ ${GH_DATABASE:-sqlite} == postgres* ]]; then
	check "on PostgreSQL no apihost.db is made" "apihost.db exists" \
		test ! -e "$GH_STATE/apihost.db"
fi

finish
