#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# git through apihost (Sandstorm's git case): stock git against stock
# `git http-backend` (gitapp.py) as the grain, the API token as git's
# Basic password (apihost takes Basic from the "git/" agent).  Over
# HTTP/1.1 and HTTP/2: clone, fetch, and push of a commit of 21 MiB in
# one pack.
#
# git sends a pack larger than http.postBuffer (1 MiB) as a body of
# unknown length: chunked over HTTP/1.1, which both servers take; over
# HTTP/2 without a Content-Length, which Apache takes (through mod_cgid:
# README, "Bodies of unknown length") and lighttpd 1.4.69 refuses with a
# 411, so there an HTTP/2 push sets http.postBuffer above the pack and git
# sends its length.  git's own trace (GIT_TRACE_CURL) shows that it spoke
# HTTP/2 and how it sent the pack.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

GH_HOST=api.localhost
# index-pack of 21 MiB on a busy machine takes more than the 3 s the
# test configuration gives an app to answer.
before_start() {
	sed -i 's/^response_timeout_ms = .*/response_timeout_ms = 120000/' \
		"$1/gatehouse.conf"
}
start_server "$GH_SERVER"

GIT_PID=
stop_gitapp() {
	[[ -n $GIT_PID ]] && kill "$GIT_PID" 2>/dev/null && wait "$GIT_PID" 2>/dev/null
	GIT_PID=
}
trap 'stop_gitapp; cleanup' EXIT

if ! command -v git >/dev/null; then
	not_ok "git is installed" "apt-get install git"
	finish
fi

W=$GH_STATE/git
mkdir -p "$W/srv"
# One repository per push, so that each push sends the whole pack.
git init -q --bare "$W/srv/h1.git"
git init -q --bare "$W/srv/h2.git"
git init -q --bare "$W/srv/h2len.git"
python3 "$GH_ROOT/tests/integration/gitapp.py" "$W/port" "$W/srv" \
	--lifetime 600 </dev/null >"$GH_STATE/log/gitapp.log" 2>&1 &
GIT_PID=$!
for _ in $(seq 50); do
	[[ -s $W/port ]] && break
	sleep 0.1
done
check "the git app listens" "no port file" test -s "$W/port"
gatectl apihost grain add git --upstream "http://127.0.0.1:$(cat "$W/port")" \
	--api-path / >/dev/null 2>&1
WEBKEY=$(gatectl apihost token add --grain git --user-id u-git \
	--username Git --permissions read,write 2>/dev/null)
TOKEN=${WEBKEY#*#}
secret "$TOKEN"
check "a grain and a token for git" "webkey '$WEBKEY'" test "${#TOKEN}" -eq 43

# g ARGS…: git with this run's CA, api.localhost on 127.0.0.1, no
# credential helper or terminal prompt, and no user configuration.  (The
# state directory belongs to the service account when we are root: any
# owner will do for these repositories.)
g() {
	GIT_SSL_CAINFO=$GH_STATE/ca.pem GIT_TERMINAL_PROMPT=0 \
	GIT_CONFIG_NOSYSTEM=1 HOME=$W \
		timeout 300 git -c "http.curloptResolve=api.localhost:$GH_PORT:127.0.0.1" \
		-c user.name=Gatehouse -c user.email=git@example.test \
		-c init.defaultBranch=main -c safe.directory='*' "$@"
}
URL="https://git:$TOKEN@api.localhost:$GH_PORT"

# A commit of 21 MiB that does not compress: one pack of about that size.
g init -q "$W/work"
head -c $((21 * 1024 * 1024)) /dev/urandom >"$W/work/blob"
g -C "$W/work" add blob
g -C "$W/work" commit -q -m "21 MiB"
SIZE=$(g -C "$W/work" rev-list --objects --all | cut -d' ' -f1 |
	g -C "$W/work" pack-objects --stdout 2>/dev/null | wc -c)
check "the pack is at least 20 MiB ($SIZE bytes)" "$SIZE bytes" \
	test "$SIZE" -ge $((20 * 1024 * 1024))

# git over HTTP/1.1: the pack goes chunked.
if out=$(g -C "$W/work" -c http.version=HTTP/1.1 push "$URL/h1.git" main 2>&1); then
	ok "HTTP/1.1: git push of the 21 MiB commit (chunked)"
else
	not_ok "HTTP/1.1: git push of the 21 MiB commit (chunked)" "$out"
fi

# h2_trace FILE WHAT: FILE, a GIT_TRACE_CURL, shows HTTP/2 (ALPN and the
# answers' status lines).
h2_trace() {
	check "$2: git spoke HTTP/2 (GIT_TRACE_CURL)" \
		"$(grep -E 'ALPN|Recv header: HTTP/' "$1" | head -n 5)" \
		grep -q 'ALPN: server accepted h2' "$1"
	check "$2: every answer came over HTTP/2" \
		"$(grep -E 'Recv header: HTTP/1' "$1" | head -n 3)" \
		lacks 'Recv header: HTTP/1' "$1"
}
lacks() { ! grep -qi "$@"; }

# git over HTTP/2 without http.postBuffer: the pack goes without a length.
# Apache takes it; lighttpd 1.4.69 answers 411 (git shows it, or the
# reset stream that follows).
T=$W/trace-h2-push
if out=$(GIT_TRACE_CURL=$T GIT_TRACE_CURL_NO_DATA=1 \
	g -C "$W/work" -c http.version=HTTP/2 push "$URL/h2.git" main 2>&1); then
	pushed=1
else
	pushed=0
fi
h2_trace "$T" "HTTP/2 push"
# The POST of the pack (the last one: a POST of 4 bytes with a length
# comes first, git's probe): its request headers, up to the blank line.
post=$(awk '/Send header: POST .*git-receive-pack/ { b = ""; on = 1 }
	on { b = b $0 "\n" } on && /Send header: *$/ { on = 0 }
	END { printf "%s", b }' "$T")
check "HTTP/2: git sent the pack without a Content-Length" "$post" \
	eval '[[ -n $post ]] && lacks content-length <<<"$post"'
if [[ $GH_SERVER == apache ]]; then
	if ((pushed)); then
		ok "HTTP/2: git push of the 21 MiB commit without a length"
	else
		not_ok "HTTP/2: git push of the 21 MiB commit without a length" "$out"
	fi
elif ((pushed)); then
	not_ok "HTTP/2: git push without a length is refused (lighttpd 1.4.69)" \
		"it went through: $out"
else
	check "HTTP/2: git push without a length is refused with 411 (lighttpd 1.4.69)" \
		"$out" grep -qE '411|Stream error|stream .* was not closed' <<<"$out"
fi
# With http.postBuffer above the pack, git sends its length (both servers).
if out=$(g -C "$W/work" -c http.version=HTTP/2 -c http.postBuffer=67108864 \
	push "$URL/h2len.git" main 2>&1); then
	ok "HTTP/2: git push of the 21 MiB commit (http.postBuffer 64 MiB)"
else
	not_ok "HTTP/2: git push of the 21 MiB commit (http.postBuffer 64 MiB)" "$out"
fi
head=$(g -C "$W/work" rev-parse HEAD)
repos=(h1 h2len)
[[ $GH_SERVER == apache ]] && repos+=(h2)
for r in "${repos[@]}"; do
	got=$(g --git-dir="$W/srv/$r.git" rev-parse refs/heads/main 2>&1)
	check "the app's repository $r.git has main at the pushed commit" \
		"main is '$got', pushed $head" test "$got" = "$head"
	check "the app's repository $r.git is whole (git fsck)" \
		"$(g --git-dir="$W/srv/$r.git" fsck 2>&1 | tail -n 3)" \
		g --git-dir="$W/srv/$r.git" fsck --no-progress
done

for v in HTTP/1.1 HTTP/2; do
	d=$W/clone-${v#HTTP/}
	T=$W/trace-clone-${v#HTTP/}
	if out=$(GIT_TRACE_CURL=$T GIT_TRACE_CURL_NO_DATA=1 \
		g -c "http.version=$v" clone -q -b main "$URL/h1.git" "$d" 2>&1); then
		ok "$v: git clone"
	else
		not_ok "$v: git clone" "$out"
	fi
	[[ $v == HTTP/2 ]] && h2_trace "$T" "HTTP/2 clone"
	check "$v: the clone holds the 21 MiB blob as pushed" "differs" \
		cmp -s "$W/work/blob" "$d/blob"
	T=$W/trace-fetch-${v#HTTP/}
	if out=$(GIT_TRACE_CURL=$T GIT_TRACE_CURL_NO_DATA=1 \
		g -C "$d" -c "http.version=$v" fetch -q "$URL/h2len.git" main 2>&1) &&
	    [[ $(g -C "$d" rev-parse FETCH_HEAD) == "$head" ]]; then
		ok "$v: git fetch"
	else
		not_ok "$v: git fetch" "$out"
	fi
	[[ $v == HTTP/2 ]] && h2_trace "$T" "HTTP/2 fetch"
done

# A wrong token: git gets 401 and asks for a password no one gives.
if out=$(g ls-remote "https://git:wrong@api.localhost:$GH_PORT/h1.git" 2>&1); then
	not_ok "a wrong token is refused" "$out"
else
	check "a wrong token is refused" "$out" grep -qE '401|403|Authentication failed' <<<"$out"
fi
finish
