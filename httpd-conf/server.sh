# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# server.sh: shell functions that turn httpd-conf/*.conf.in into a running
# lighttpd or Apache for one state directory.  Sourced by ./dev (serve) and
# by tests/integration/lib.sh; it does nothing when merely sourced.
#
# A state directory DIR holds everything a running server needs, so that
# the unprivileged service user never has to reach into the source tree:
#   DIR/gatehouse.conf           test-mode configuration (written if missing)
#   DIR/ca.pem                   the local CA: curl --cacert DIR/ca.pem
#   DIR/tls/                     the CA key, the server certificate and key
#   DIR/libexec/                 copies of the FastCGI programs, the worker
#                                and gatehouse-spawn (lighttpd runs them by it)
#   DIR/run/                     pid file, sockets, the generated server config
#   DIR/log/                     server logs; the programs' own lines are in
#                                gatehouse.log (lighttpd) or apache-error.log
#
# Environment (all optional):
#   GH_BUILD    build directory (default <repo>/build)
#   GH_LIBEXEC  use the FastCGI programs in this directory instead of the
#               build's (an installed /usr/local/libexec/gatehouse, say)
#   GH_GATECTL  the gatectl program (default $GH_BUILD/bin/gatectl)
#   GH_USER     account the servers and programs run as when started as
#               root (default www-data; Apache refuses to serve as root)

GH_ROOT=${GH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
GH_BUILD=${GH_BUILD:-$GH_ROOT/build}
GH_GATECTL=${GH_GATECTL:-$GH_BUILD/bin/gatectl}

# The fixed bearer token a factory in test mode accepts (factory-api.md: "a
# mock secret access token is hardcoded"); cgi-bin/factory/factory.h has
# the same string.
# shellcheck disable=SC2034 # used by ./dev and the tests
GH_MOCK_TOKEN=gatehouse-factory-mock-token

# The names the server certificate covers: every service's virtual host.
GH_TLS_NAMES=(factory.localhost certmaker.localhost icyfire.localhost
	api.localhost localhost)

# The FastCGI programs the templates run, as NAME:PATH-IN-BUILD-DIR.
GH_PROGRAMS=(factory:cgi-bin/factory/factory
	certmaker:cgi-bin/certmaker/certmaker icyfire:cgi-bin/icyfire/icyfire
	apihost:cgi-bin/apihost/apihost)

# The worker, copied beside them: the factory starts it on a new order
# (worker_program), and ./dev serve runs it in its loop.
GH_WORKER=${GH_WORKER:-$GH_BUILD/bin/gatehouse-worker}

# lighttpd's bin-path for each of them (httpd-conf/lighttpd.conf.in): it
# holds the service's listening socket and runs the program's copies.
# Installed beside the programs (GH_LIBEXEC), built in bin/.
gh_spawn_source() {
	if [[ -n ${GH_LIBEXEC:-} ]]; then
		printf '%s\n' "$GH_LIBEXEC/gatehouse-spawn"
	else
		printf '%s\n' "$GH_BUILD/bin/gatehouse-spawn"
	fi
}

# The PID of the server gh_server_start started, or empty.
GH_SERVER_PID=

gh_die() {
	printf '%s\n' "${0##*/}: $*" >&2
	exit 1
}

# The account (user and group, one line) servers run as.  Only root can
# switch accounts; anyone else runs everything as themselves.
gh_service_account() {
	local user
	if [[ $EUID -eq 0 ]]; then
		user=${GH_USER:-www-data}
		id -u "$user" >/dev/null 2>&1 ||
			gh_die "no user '$user' to run the server as (set GH_USER)"
		printf '%s %s\n' "$user" "$(id -gn "$user")"
	else
		printf '%s %s\n' "$(id -un)" "$(id -gn)"
	fi
}

# Give the state directory to the service account (when root), so that the
# programs can write their databases and the web server its sockets.  Only
# files root owns change hands: an operator's own files stay theirs.
gh_state_chown() {
	local dir=$1 user group
	[[ $EUID -eq 0 ]] || return 0
	read -r user group < <(gh_service_account)
	chown -R --from=0:0 "$user:$group" "$dir"
}

# Write DIR/gatehouse.conf unless it exists: test mode, nothing leaves
# this machine (test registrar, callbacks may use plain http to a local
# receiver).  GH_DATABASE names the database ([gatehouse] database:
# sqlite, the default, or a postgresql:// URI).
gh_state_config() {
	local dir=$1
	[[ -e $dir/gatehouse.conf ]] && return 0
	cat >"$dir/gatehouse.conf" <<EOF
# gatehouse.conf for development and tests: test mode, nothing leaves
# this machine.  Written by httpd-conf/server.sh; edit freely, it is kept.
[gatehouse]
state_dir = $dir
database = ${GH_DATABASE:-sqlite}
# The program's own line for each request, which the tests read (the
# default is no: the access log has one).
log_requests = ${GH_LOG_REQUESTS:-yes}

[factory]
mode = test
registrar = test
allow_http_callback = yes
# Provisioning and callbacks on a short schedule, so that a demo or a
# test sees retries within seconds (production: the defaults).
deploy_command =
deploy_timeout_s = 10
provision_attempts = 2
provision_backoff_s = 1
callback_schedule = 1,2,3
callback_connect_timeout_ms = 1000
callback_timeout_ms = 2000
# Receivers here are on loopback, which callbacks may not reach by default.
callback_allow = 127.0.0.0/8, ::1/128
lease_s = 5
worker_program = $dir/libexec/gatehouse-worker

[certmaker]
# The public URL: Location headers, the OCSP and CRL URLs in certificates,
# and what the url of each ACME request must start with.  The port is the
# server's: gh_server_config keeps it current.
base_url = https://certmaker.localhost:8443
# Where ACME http-01 challenges are fetched (./dev serve --acme-http-port).
acme_http_port = 5002
# Challenges off: requests are issued at once.  A test turns them on.
challenge = no
challenge_connect_timeout_ms = 1000
challenge_timeout_ms = 2000
# Challenge servers here are on loopback, refused by default.
challenge_allow = 127.0.0.0/8, ::1/128

[icyfire]
# The Fernet key shared with the workers (made by gatectl init).
fernet_key_file = icyfire.fernet

[apihost]
# The port is the server's: gh_server_config keeps it current.
public_url = https://api.localhost:8443
offer_expiry_s = 900
connect_timeout_ms = 1000
response_timeout_ms = 3000
EOF
}

# A configuration generated before the outbound address policy existed
# gets the loopback allowances of gh_state_config: its receivers and
# challenge servers are on loopback, which callbacks and challenges may no
# longer reach by default.  Only a generated file is touched.
gh_state_allow_loopback() {
	local dir=$1
	grep -q '^# this machine.  Written by httpd-conf/server.sh' "$dir/gatehouse.conf" ||
		return 0
	grep -q '^callback_allow *=' "$dir/gatehouse.conf" ||
		printf '\n[factory]\ncallback_allow = 127.0.0.0/8, ::1/128\n' \
			>>"$dir/gatehouse.conf"
	grep -q '^challenge_allow *=' "$dir/gatehouse.conf" ||
		printf '\n[certmaker]\nchallenge_allow = 127.0.0.0/8, ::1/128\n' \
			>>"$dir/gatehouse.conf"
}

# Point [apihost] public_url of DIR's generated configuration at PORT (the
# webkeys gatectl prints and $API_HOST name the port the server listens on).
# Only the generated line is touched: an operator's own URL stays.
gh_state_public_url() {
	local dir=$1 port=$2
	# A configuration written before apihost existed gets its section.
	if grep -q '^# this machine.  Written by httpd-conf/server.sh' "$dir/gatehouse.conf" &&
		! grep -q '^\[apihost\]' "$dir/gatehouse.conf"; then
		printf '\n[apihost]\npublic_url = https://api.localhost:%s\n' "$port" \
			>>"$dir/gatehouse.conf"
	fi
	sed -i -E "s|^public_url = https://api\\.localhost(:[0-9]+)?$|public_url = https://api.localhost:$port|" \
		"$dir/gatehouse.conf"
}

# Point [certmaker] base_url of DIR's generated configuration at PORT, as
# gh_state_public_url does for apihost: ACME clients are told URLs under
# it and must sign exactly those.  A configuration written before ACME
# gets the line; an operator's own URL stays.
gh_state_certmaker_url() {
	local dir=$1 port=$2
	grep -q '^# this machine.  Written by httpd-conf/server.sh' "$dir/gatehouse.conf" ||
		return 0
	grep -q '^base_url *=' "$dir/gatehouse.conf" ||
		printf '\n[certmaker]\nbase_url = https://certmaker.localhost:%s\n' \
			"$port" >>"$dir/gatehouse.conf"
	sed -i -E "s|^base_url = https://certmaker\\.localhost(:[0-9]+)?$|base_url = https://certmaker.localhost:$port|" \
		"$dir/gatehouse.conf"
}

# Set [certmaker] acme_http_port of DIR's generated configuration: the
# port ACME http-01 challenges are fetched from (./dev serve
# --acme-http-port, a test's own challenge server).
gh_state_acme_http_port() {
	local dir=$1 port=$2
	grep -q '^# this machine.  Written by httpd-conf/server.sh' "$dir/gatehouse.conf" ||
		return 0
	if grep -q '^acme_http_port *=' "$dir/gatehouse.conf"; then
		sed -i -E "s|^acme_http_port *=.*$|acme_http_port = $port|" \
			"$dir/gatehouse.conf"
	else
		printf '\n[certmaker]\nacme_http_port = %s\n' "$port" \
			>>"$dir/gatehouse.conf"
	fi
}

# Make a local CA and a server certificate for GH_TLS_NAMES plus 127.0.0.1,
# unless they exist.  ECDSA P-256: fast handshakes, and every client we
# use speaks it.
gh_state_tls() {
	local dir=$1 tls=$1/tls san name ext
	[[ -s $dir/ca.pem && -s $tls/server.pem && -s $tls/server.key ]] &&
		return 0
	mkdir -p "$tls"
	chmod 700 "$tls"
	if [[ ! -s $dir/ca.pem || ! -s $tls/ca.key ]]; then
		openssl req -x509 -new -newkey ec \
			-pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$tls/ca.key" -out "$dir/ca.pem" -days 3650 \
			-subj "/O=Gatehouse/CN=Gatehouse development CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" \
			2>/dev/null || gh_die "openssl could not make the CA"
	fi
	san=
	for name in "${GH_TLS_NAMES[@]}"; do
		san+="DNS:$name,"
	done
	san+="IP:127.0.0.1,IP:::1"
	ext=$tls/server.ext
	printf '%s\n' \
		"basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth" \
		"subjectAltName=$san" >"$ext"
	if ! openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout "$tls/server.key" -out "$tls/server.csr" \
		-subj "/O=Gatehouse/CN=${GH_TLS_NAMES[0]}" 2>/dev/null ||
	   ! openssl x509 -req -in "$tls/server.csr" -CA "$dir/ca.pem" \
		-CAkey "$tls/ca.key" -CAserial "$tls/ca.srl" -CAcreateserial \
		-days 825 -sha256 \
		-extfile "$ext" -out "$tls/server.pem" 2>/dev/null; then
		gh_die "openssl could not make the server certificate"
	fi
	rm -f "$tls/server.csr" "$ext"
	chmod 600 "$tls/ca.key" "$tls/server.key"
}

# Where the program of a GH_PROGRAMS entry comes from: GH_LIBEXEC if set,
# else the build.
gh_program_source() {
	if [[ -n ${GH_LIBEXEC:-} ]]; then
		printf '%s\n' "$GH_LIBEXEC/${1%%:*}"
	else
		printf '%s\n' "$GH_BUILD/${1#*:}"
	fi
}

# Copy the FastCGI programs and gatehouse-spawn into DIR/libexec.  A copy,
# not a link: the service account may not be able to reach the source
# tree.  A program not built yet is left out; starting a server without it
# fails with a clear message.
gh_state_programs() {
	local dir=$1 entry name src
	mkdir -p "$dir/libexec"
	for entry in "${GH_PROGRAMS[@]}" "gatehouse-spawn:"; do
		name=${entry%%:*}
		if [[ $name == gatehouse-spawn ]]; then
			src=$(gh_spawn_source)
		else
			src=$(gh_program_source "$entry")
		fi
		if [[ -x $src ]]; then
			cp -f "$src" "$dir/libexec/$name.new"
			mv -f "$dir/libexec/$name.new" "$dir/libexec/$name"
		else
			rm -f "$dir/libexec/$name"
		fi
	done
	if [[ -x $GH_WORKER ]]; then
		cp -f "$GH_WORKER" "$dir/libexec/gatehouse-worker.new"
		mv -f "$dir/libexec/gatehouse-worker.new" "$dir/libexec/gatehouse-worker"
	fi
}

# Run the worker of DIR with ARGS (--loop, --drain or none) as the service
# account when we are root, so that what it creates (its socket, WAL
# files) stays usable by the FastCGI programs.
gh_worker() {
	local dir=$1 user group
	shift
	[[ -x $dir/libexec/gatehouse-worker ]] ||
		gh_die "the worker is not built yet ($GH_WORKER)"
	if [[ $EUID -eq 0 ]]; then
		read -r user group < <(gh_service_account)
		runuser -u "$user" -- "$dir/libexec/gatehouse-worker" \
			-c "$dir/gatehouse.conf" "$@"
	else
		"$dir/libexec/gatehouse-worker" -c "$dir/gatehouse.conf" "$@"
	fi
}

# Run gatectl on DIR's configuration, then hand back what it created as
# root.  (SQLite itself gives a WAL file that root creates to the owner of
# the database.)
gh_gatectl() {
	local dir=$1 rc=0
	shift
	[[ -x $GH_GATECTL ]] ||
		gh_die "gatectl is not built ($GH_GATECTL); run ./dev test or make"
	"$GH_GATECTL" -c "$dir/gatehouse.conf" "$@" || rc=$?
	gh_state_chown "$dir"
	return "$rc"
}

# Prepare DIR for serving: directories, configuration, certificates,
# programs, `gatectl init`, ownership.  DIR must be absolute.
gh_state_init() {
	local dir=$1 user group
	[[ $dir == /* ]] || gh_die "state directory must be absolute: $dir"
	mkdir -p "$dir" "$dir/run" "$dir/log"
	gh_state_config "$dir"
	gh_state_tls "$dir"
	gh_state_programs "$dir"
	gh_gatectl "$dir" init >/dev/null ||
		gh_die "gatectl init failed for $dir"
	gh_state_chown "$dir"
	if [[ $EUID -eq 0 ]]; then
		read -r user group < <(gh_service_account)
		runuser -u "$user" -- test -w "$dir/run" ||
			gh_die "user $user cannot write $dir/run: choose a state directory it can reach (--state)"
	fi
}

# Print a template with every @NAME@ replaced.  Arguments: TEMPLATE then
# NAME=VALUE pairs.  A placeholder left over outside a comment is an error,
# so a template and this function cannot drift apart silently.
gh_render() {
	local template=$1 text pair key left
	shift
	text=$(<"$template") || return 1
	for pair in "$@"; do
		key=${pair%%=*}
		text=${text//"@$key@"/"${pair#*=}"}
	done
	left=$(grep -v '^[[:space:]]*#' <<<"$text" | grep -o '@[A-Z_]*@' |
		sort -u | tr '\n' ' ') || true
	if [[ -n $left ]]; then
		printf '%s\n' "${0##*/}: $template: no value for $left" >&2
		return 1
	fi
	printf '%s\n' "$text"
}

# Write DIR/run/SERVER.conf from the template for SERVER, listening on
# 127.0.0.1:PORT.
gh_server_config() {
	local server=$1 dir=$2 port=$3 user group
	read -r user group < <(gh_service_account)
	install -m 0644 "$GH_ROOT/httpd-conf/errors.lua" \
		"$GH_ROOT/httpd-conf/icyfire-mask.lua" "$dir/" || return 1
	gh_render "$GH_ROOT/httpd-conf/$server.conf.in" \
		ADDR=127.0.0.1 PORT="$port" \
		CERT="$dir/tls/server.pem" KEY="$dir/tls/server.key" \
		LIBEXEC="$dir/libexec" CONFIG="$dir/gatehouse.conf" CONFDIR="$dir" \
		STATE="$dir" RUNDIR="$dir/run" LOGDIR="$dir/log" \
		USER="$user" GROUP="$group" \
		FACTORY_HOST=factory.localhost CERTMAKER_HOST=certmaker.localhost \
		ICYFIRE_HOST=icyfire.localhost APIHOST_HOST=api.localhost \
		>"$dir/run/$server.conf" || return 1
	gh_state_allow_loopback "$dir"
	gh_state_public_url "$dir" "$port"
	gh_state_certmaker_url "$dir" "$port"
}

# Check that SERVER (lighttpd or apache) is installed and that every program
# the template runs is in DIR/libexec.
gh_server_check() {
	local server=$1 dir=$2 entry name
	case $server in
	lighttpd) command -v lighttpd >/dev/null ||
			gh_die "lighttpd is not installed (apt-get install lighttpd)" ;;
	apache) [[ -x /usr/sbin/apache2 && -e /usr/lib/apache2/modules/mod_fcgid.so ]] ||
			gh_die "Apache is not installed (apt-get install apache2 libapache2-mod-fcgid)" ;;
	*) gh_die "unknown server '$server' (lighttpd or apache)" ;;
	esac
	for entry in "${GH_PROGRAMS[@]}"; do
		name=${entry%%:*}
		[[ -x $dir/libexec/$name ]] ||
			gh_die "the $name program is not built yet ($(gh_program_source "$entry"))"
	done
	[[ $server != lighttpd || -x $dir/libexec/gatehouse-spawn ]] ||
		gh_die "gatehouse-spawn is not built yet ($(gh_spawn_source))"
}

# The Debian package that ships a server module file (a .so the
# templates load), for the one line that says what to install.
gh_module_package() {
	case ${1##*/} in
	mod_openssl.so) echo lighttpd-mod-openssl ;;
	mod_magnet.so) echo lighttpd-modules-lua ;;
	mod_deflate.so) echo lighttpd-mod-deflate ;;
	mod_fcgid.so) echo libapache2-mod-fcgid ;;
	*) case $1 in
		/usr/lib/lighttpd/*) echo lighttpd ;;
		/usr/lib/apache2/*) echo apache2-bin ;;
		*) return 1 ;;
		esac ;;
	esac
}

# Check that DIR's generated configuration of SERVER loads (lighttpd -tt
# loads every module; apache2 -t as well).  On failure print one line that
# says why, naming the Debian package of a module that is missing, and
# return 1; the whole output is in DIR/log/SERVER-check.log.
gh_server_test_config() {
	local server=$1 dir=$2 conf=$2/run/$1.conf log=$2/log/$1-check.log so pkg line
	case $server in
	lighttpd)
		command -v lighttpd >/dev/null || {
			echo "lighttpd is not installed: install the Debian package lighttpd" >&2
			return 1
		}
		lighttpd -tt -f "$conf" >"$log" 2>&1 && return 0 ;;
	apache)
		[[ -x /usr/sbin/apache2 ]] || {
			echo "Apache is not installed: install the Debian package apache2" >&2
			return 1
		}
		/usr/sbin/apache2 -t -f "$conf" >"$log" 2>&1 && return 0 ;;
	*) gh_die "unknown server '$server' (lighttpd or apache)" ;;
	esac
	# lighttpd: "dlopen() failed for: /usr/lib/lighttpd/mod_x.so …";
	# Apache: "Cannot load /usr/lib/apache2/modules/mod_x.so into server".
	so=$(grep -oE '(dlopen\(\) failed for: |Cannot load )/[^ ]+\.so' "$log" |
		head -n 1 | grep -oE '/[^ ]+\.so$') || true
	if [[ -n $so && ! -e $so ]]; then
		pkg=$(gh_module_package "$so") || pkg=
		printf '%s\n' "$server cannot load $so:${pkg:+ install the Debian package $pkg} (./dev installs it; see $log)" >&2
		return 1
	fi
	line=$(grep -v '^[[:space:]]*$' "$log" | head -n 1)
	printf '%s\n' "$server does not accept $conf: ${line:-no output} (see $log)" >&2
	return 1
}

# Start SERVER on DIR in the background, in a process group of its own
# (so that ^C reaches only us, and stopping it reaches every FastCGI
# child).  Sets GH_SERVER_PID.  The configuration must have been written.
gh_server_start() {
	local server=$1 dir=$2 conf=$2/run/$1.conf
	gh_server_test_config "$server" "$dir" || return 1
	case $server in
	lighttpd)
		setsid lighttpd -D -f "$conf" \
			</dev/null >>"$dir/log/$server-stdout.log" 2>&1 &
		;;
	apache)
		setsid /usr/sbin/apache2 -f "$conf" -DFOREGROUND \
			</dev/null >>"$dir/log/$server-stdout.log" 2>&1 &
		;;
	esac
	GH_SERVER_PID=$!
}

# Wait up to TIMEOUT seconds (default 10) until the factory program
# answers through HTTPS on PORT: any status below 500 (a program that cannot
# start gets the server's 500 or 503).  Fails early if the server exits.
gh_server_wait() {
	local dir=$1 port=$2 timeout=${3:-10} i code
	for ((i = 0; i < timeout * 5; i++)); do
		if [[ -n $GH_SERVER_PID ]] && ! kill -0 "$GH_SERVER_PID" 2>/dev/null; then
			return 1
		fi
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
			--cacert "$dir/ca.pem" \
			--resolve "factory.localhost:$port:127.0.0.1" \
			"https://factory.localhost:$port/" 2>/dev/null) || true
		[[ $code =~ ^[1-4][0-9][0-9]$ ]] && return 0
		sleep 0.2
	done
	return 1
}

# Fill the FastCGI process pools before measuring: mod_fcgid (Apache)
# starts processes only on demand, and a request that finds the pool busy
# sleeps a second first, so a short burst of more concurrent requests than
# FcgidMaxProcessesPerClass (64) brings each class to its limit.  lighttpd
# starts its processes at start-up; this does no harm there.  Arguments:
# PORT [HOST (factory.localhost)] [CONNECTIONS (160)] [SECONDS (4)].
gh_server_warm() {
	local port=$1 host=${2:-factory.localhost} conns=${3:-160} secs=${4:-4}
	command -v wrk >/dev/null || { gh_die "wrk is not installed"; }
	wrk -t2 -c"$conns" -d"${secs}s" -H "Host: $host" \
		"https://127.0.0.1:$port/" >/dev/null 2>&1
}

# Every descendant of PID (children first seen via /proc, recursively).
gh_descendants() {
	local pid kids kid
	for pid in "$@"; do
		kids=$(ps -o pid= --ppid "$pid" 2>/dev/null) || continue
		for kid in $kids; do
			printf '%s\n' "$kid"
			gh_descendants "$kid"
		done
	done
}

# Stop the server gh_server_start started and everything it started: ask
# it (lighttpd and Apache both stop their FastCGI programs on SIGTERM),
# wait up to 5 s for it and its tree (a program writes what it batched
# before it leaves), then kill what is left of its process tree and group.
gh_server_stop() {
	local pid=$GH_SERVER_PID i p left tree alive
	[[ -n $pid ]] || return 0
	GH_SERVER_PID=
	tree=$(gh_descendants "$pid")
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		alive=
		for p in $pid $tree; do
			# A zombie has finished (lighttpd reaps late).
			[[ $(sed -n 's/^State:\t\(.\).*/\1/p' \
				"/proc/$p/status" 2>/dev/null) == [^Z] ]] &&
				alive=$p && break
		done
		[[ -n $alive ]] || break
		sleep 0.1
	done
	# Whatever is left: the tree we saw, and any member of the group.
	left=$(ps -e -o pid=,pgid= | awk -v g="$pid" '$2 == g { print $1 }')
	for i in $tree $left; do
		[[ $i == "$$" ]] && continue
		kill -KILL "$i" 2>/dev/null || true
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# Print the last lines of the server's logs, for a failed start or test.
gh_server_logs() {
	local dir=$1 f
	for f in "$dir"/log/*.log; do
		[[ -s $f ]] || continue
		printf '==> %s <==\n' "$f"
		tail -n 20 "$f"
	done
}
