#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The generated configuration of GH_SERVER loads, and every module it
# loads comes from a Debian package that ./dev installs: a module that is
# only a Recommends (lighttpd-mod-openssl) is missing on a new machine,
# where ./dev installs without Recommends.  When a module is missing, the
# check before the suites says so in one line that names its package.

. "$(dirname "$0")/lib.sh"

GH_STATE=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-it.XXXXXX") || exit 1
trap cleanup EXIT
chmod 755 "$GH_STATE"
if ! err=$( (gh_state_init "$GH_STATE" &&
	gh_server_config "$GH_SERVER" "$GH_STATE" 8443) 2>&1); then
	not_ok "a state directory and a $GH_SERVER configuration" "$err"
	finish
fi
conf=$GH_STATE/run/$GH_SERVER.conf

check "the generated configuration loads ($GH_SERVER -t)" \
	"$(gh_server_test_config "$GH_SERVER" "$GH_STATE" 2>&1)" \
	gh_server_test_config "$GH_SERVER" "$GH_STATE"

# lighttpd: every service's bin-path is gatehouse-spawn N PROGRAM, both in
# the state directory's libexec, with max-procs 1 (gatehouse-spawn holds
# the socket and runs the N copies).
# spawned NAME: one bin-path is exactly that, and both programs are there.
spawned() {
	local lib=$GH_STATE/libexec
	[[ -x $lib/gatehouse-spawn && -x $lib/$1 ]] &&
		awk -v s="$lib/gatehouse-spawn" -v p="$lib/$1" '
			NF == 3 && $1 == s && $2 ~ /^[1-9][0-9]*$/ && $3 == p { f = 1 }
			END { exit !f }' <<<"$bins"
}
if [[ $GH_SERVER == lighttpd ]]; then
	bins=$(sed -n 's/^[[:space:]]*"bin-path"[[:space:]]*=>[[:space:]]*"\([^"]*\)".*/\1/p' "$conf")
	procs=$(sed -n 's/^[[:space:]]*"max-procs"[[:space:]]*=>[[:space:]]*\([0-9]*\).*/\1/p' "$conf" |
		sort -u | tr '\n' ' ')
	for entry in "${GH_PROGRAMS[@]}"; do
		name=${entry%%:*}
		check "$name runs as gatehouse-spawn N $name, both in libexec" \
			"bin-paths: $bins" spawned "$name"
	done
	check "every bin-path is a gatehouse-spawn, each with max-procs 1" \
		"bin-paths: $bins; max-procs: $procs" \
		test "$(wc -l <<<"$bins") $procs" = "${#GH_PROGRAMS[@]} 1 "
fi

# The module files the configuration loads.
case $GH_SERVER in
lighttpd)
	modules=$(sed -n '/^server\.modules *= *(/,/)/p' "$conf" |
		grep -oE '"mod_[a-z0-9_]+"' | tr -d '"' |
		sed 's|^|/usr/lib/lighttpd/|; s|$|.so|')
	;;
apache)
	modules=$(awk 'tolower($1) == "loadmodule" { print $3 }' "$conf")
	;;
esac
check "the configuration loads modules" "none found in $conf" test -n "$modules"

# What ./dev installs, and what those packages depend on (not Recommends).
mapfile -t listed < <("$GH_ROOT/dev" packages)
installed=$(printf '%s\n' "${listed[@]}"
	apt-cache depends --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances "${listed[@]}" 2>/dev/null |
		sed -n 's/^ *\(Pre\)\{0,1\}Depends: \([a-z0-9][^ :<]*\).*/\2/p')

for so in $modules; do
	# lighttpd's built-in modules (mod_access, mod_fastcgi, …) have no
	# file: the configuration loaded (above) without one.
	[[ $GH_SERVER == lighttpd && ! -e $so ]] && continue
	if ! pkg=$(dpkg-query -S "$so" 2>/dev/null); then
		not_ok "${so##*/} belongs to an installed package" "dpkg-query -S $so: no package"
		continue
	fi
	pkg=${pkg%%:*}
	check "${so##*/} comes from $pkg, which ./dev installs" \
		"$pkg is neither on ./dev's list nor a Depends of a package on it" \
		grep -qx -- "$pkg" <<<"$installed"
	check "a missing ${so##*/} is reported as the package $pkg" \
		"gh_module_package says '$(gh_module_package "$so")'" \
		test "$(gh_module_package "$so")" = "$pkg"
done

# A module that is not there: one line naming it, not a failed start.
case $GH_SERVER in
lighttpd)
	sed -i 's|"mod_openssl",|"mod_openssl", "mod_gatehouse_absent",|' "$conf" ;;
apache)
	sed -i '0,/^LoadModule/s|^LoadModule|LoadModule gatehouse_absent_module /usr/lib/apache2/modules/mod_gatehouse_absent.so\nLoadModule|' "$conf" ;;
esac
msg=$(gh_server_test_config "$GH_SERVER" "$GH_STATE" 2>&1) && status=0 || status=$?
check "a missing module fails the check" "status $status" test "$status" -ne 0
check "the check says which module is missing, in one line" "$msg" \
	eval '[[ $msg == *"cannot load /usr/lib/"*"/mod_gatehouse_absent.so"* && $msg != *$'"'\\n'"'* ]]'

finish
