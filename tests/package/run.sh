#!/bin/bash
# SPDX-License-Identifier: ISC
#
# run.sh [--root TARBALL|DIR] [--keep]: the Debian package, end to end, in
# a throwaway Debian 12 root; ends with "N passed, N failed".  As root.
#
#  1. builds gatehouse_<version>_<arch>.deb from a clean clone of HEAD
#     (dpkg-buildpackage -us -uc -b), and a second one with a newer
#     version, for the upgrade;
#  2. makes the root: mmdebstrap --variant=apt bookworm with this
#     machine's apt sources, or unpacks TARBALL, or uses DIR as it is
#     (./dev fresh's root, say: then DIR is left in place, with the
#     package purged);
#  3. installs the package with Debian's apache2, libapache2-mod-fcgid,
#     lighttpd, lighttpd-mod-openssl and lighttpd-modules-lua;
#  4. in a network namespace of its own (unshare -n: ports 80 and 443
#     there are seen by nothing on this machine), with tests/package/
#     inside.sh: a2ensite and apache2ctl, the four services on 443, an
#     order the worker provisions, and what the server answers itself or
#     passes on (HTTP/2, a bodyless POST, 404 and 413 as JSON); the same
#     with lighty-enable-mod and Debian's lighttpd;
#  5. upgrades to the newer package and checks that the data are kept;
#  6. purges it and checks that nothing of it is left, and nothing runs.
#
# Nothing is installed on this machine: the root has its own dpkg, and
# its servers never listen outside their namespace.  On exit every process
# whose root is the Debian root is stopped, and everything is unmounted.
# The host needs what ./dev installs (dpkg-dev, debhelper, lintian, the
# build dependencies, mmdebstrap) and unshare and ip (util-linux, iproute2).

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
root_arg= keep=
while (($#)); do
	case $1 in
	--root) root_arg=${2:?--root needs a tarball or a directory}; shift 2 ;;
	--keep) keep=1; shift ;;
	*) echo "usage: run.sh [--root TARBALL|DIR] [--keep]" >&2; exit 2 ;;
	esac
done
[[ $EUID -eq 0 ]] || { echo "run.sh: needs root (chroot, mount, unshare)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-package.XXXXXX")
ROOT=$WORK/root
MOUNTS=()
passed=0 failed=0

say() { printf 'package: %s\n' "$*" >&2; }
ok() { passed=$((passed + 1)); printf 'ok: %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL: %s\n' "$*"; }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
finish() {
	printf '%d passed, %d failed\n' "$passed" "$failed"
	exit $((failed > 0))
}

# The processes whose root directory is the Debian root: only those are
# ever stopped.
root_pids() {
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[[ $r == "$ROOT" ]] && printf '%s\n' "${p#/proc/}"
	done
}

cleanup() {
	local pids i
	trap - EXIT INT TERM
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(root_pids)
		[[ -z $pids ]] && break
		# shellcheck disable=SC2086 # a list of PIDs
		if ((i < 8)); then kill -TERM $pids 2>/dev/null; else kill -KILL $pids 2>/dev/null; fi
		sleep 1
	done
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}"
	done
	# A root given as a directory is not ours: it stays (and so does
	# what ran in it, purged).
	if [[ -n $keep ]]; then
		say "kept $WORK"
	else
		rm -rf --one-file-system "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# in_root CMD…: run CMD in the root, with a clean environment.
in_root() {
	chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# isolated CMD…: in_root, in a new network namespace with loopback up.
isolated() {
	unshare -n -- /bin/sh -c 'ip link set lo up && exec "$@"' sh \
		chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 "$@"
}

# Count inside.sh's "ok:"/"FAIL:" lines, and show them.
count() {
	local line
	while IFS= read -r line; do
		case $line in
		ok:*) ok "${line#ok: }" ;;
		FAIL:*) fail "${line#FAIL: }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
}

# --- 1. the packages -----------------------------------------------------------
# build DIR VERSION: a clean clone of HEAD in DIR, built; with VERSION, a
# changelog entry for it first.
build() {
	local dir=$1 version=${2:-} entry
	git clone -q "$SRC" "$dir" || return 1
	if [[ -n $version ]]; then
		entry=$(printf 'gatehouse (%s) unstable; urgency=medium\n\n  * Package test: an upgrade.\n\n -- %s  %s\n\n' \
			"$version" "$(sed -n 's/^ -- \(.*>\)  .*/\1/p;T;q' "$dir/debian/changelog")" \
			"$(date -R)")
		printf '%s\n' "$entry" | cat - "$dir/debian/changelog" >"$dir/debian/changelog.new" &&
			mv "$dir/debian/changelog.new" "$dir/debian/changelog" || return 1
	fi
	# The unit tests run in ./dev test; here the package is under test.
	(cd "$dir" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) \
		>"$dir.log" 2>&1 || { tail -n 30 "$dir.log" >&2; return 1; }
}
say "building the package (logs in $WORK)"
check "dpkg-buildpackage -us -uc -b in a clean clone" build "$WORK/src1"
v1=$(cd "$WORK/src1" && dpkg-parsechangelog -S Version)
v2=$v1+upgrade1
check "a rebuilt newer version ($v2)" build "$WORK/src2" "$v2"
arch=$(dpkg --print-architecture)
deb1=$WORK/gatehouse_${v1}_$arch.deb
deb2=$WORK/gatehouse_${v2}_$arch.deb
check "../gatehouse_${v1}_$arch.deb exists" test -s "$deb1"
lint() {
	lintian --fail-on error "$WORK/gatehouse_${v1}_$arch.changes" \
		>"$WORK/lintian.log" 2>&1
	local rc=$?
	grep -v 'running with root privileges' "$WORK/lintian.log" >&2
	return $rc
}
check "lintian reports no errors" lint
[[ -s $deb1 && -s $deb2 ]] || finish

# --- 2. the root ---------------------------------------------------------------
if [[ -z $root_arg ]]; then
	say "mmdebstrap bookworm (this machine's apt sources)"
	sources=()
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[[ -s $f ]] && sources+=("$f")
	done
	mmdebstrap --quiet --variant=apt --include=ca-certificates bookworm \
		"$ROOT" "${sources[@]}" >"$WORK/mmdebstrap.log" 2>&1 ||
		{ tail -n 20 "$WORK/mmdebstrap.log" >&2; fail "mmdebstrap"; finish; }
elif [[ -f $root_arg ]]; then
	mkdir "$ROOT" && tar -C "$ROOT" -xf "$root_arg" ||
		{ fail "unpack $root_arg"; finish; }
elif [[ -d $root_arg ]]; then
	ROOT=$(cd "$root_arg" && pwd)
else
	fail "--root $root_arg: no such tarball or directory"
	finish
fi
for m in proc sys dev dev/shm; do
	mkdir -p "$ROOT/$m"
	case $m in
	proc) mount -t proc proc "$ROOT/proc" ;;
	sys) mount -t sysfs sysfs "$ROOT/sys" ;;
	dev) mount --bind /dev "$ROOT/dev" ;;
	dev/shm) mount -t tmpfs -o mode=1777,size=64m tmpfs "$ROOT/dev/shm" ;;
	esac || { fail "mount $ROOT/$m"; finish; }
	MOUNTS+=("$ROOT/$m")
done
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
# No service starts while packages install: they would listen on this
# machine's ports.  The servers start only in their own namespace, below.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"

# --- 3. install ------------------------------------------------------------------
cp "$deb1" "$deb2" "$HERE/inside.sh" "$ROOT/tmp/"
say "installing the package and Debian's servers in the root"
check "apt-get install ./gatehouse_${v1}_$arch.deb apache2 lighttpd …" \
	in_root sh -c "apt-get update -q >/tmp/apt.log 2>&1 &&
		apt-get install -y -q --no-install-recommends curl \
		apache2 libapache2-mod-fcgid lighttpd lighttpd-mod-openssl \
		lighttpd-modules-lua /tmp/${deb1##*/} >>/tmp/apt.log 2>&1 ||
		{ tail -n 30 /tmp/apt.log >&2; exit 1; }"
check "/var/lib/gatehouse is www-data's, 0700" \
	test "$(stat -c '%U %a' "$ROOT/var/lib/gatehouse" 2>/dev/null)" = "www-data 700"
check "postinst ran gatectl init as www-data" \
	test -n "$(find "$ROOT/var/lib/gatehouse" -name '*.db' -user www-data 2>/dev/null)"
check "nothing in the state directory belongs to root" \
	test -z "$(find "$ROOT/var/lib/gatehouse" ! -user www-data 2>/dev/null)"
check "gatehouse.conf is a conffile" \
	in_root sh -c "dpkg-query -W -f='\${Conffiles}' gatehouse | grep -q ' /etc/gatehouse/gatehouse.conf '"
check "the worker's timer is enabled" \
	test -L "$ROOT/etc/systemd/system/timers.target.wants/gatehouse-worker.timer"
check "gatectl check-config accepts the installed configuration" \
	in_root runuser -u www-data -- gatectl check-config
check "man gatectl is installed" test -e "$ROOT/usr/share/man/man8/gatectl.8.gz"
# The Lua scripts the lighttpd module names (errors.lua, icyfire-mask.lua).
lua=$(grep -o '/etc/gatehouse/[a-z-]*\.lua' \
	"$ROOT/etc/lighttpd/conf-available/50-gatehouse.conf" 2>/dev/null | sort -u)
check "the lighttpd module names errors.lua" grep -qx /etc/gatehouse/errors.lua <<<"$lua"
for f in $lua; do
	check "$f, which the lighttpd module names, is installed" test -s "$ROOT$f"
done
# The programs its bin-paths start: gatehouse-spawn and, through it, the
# four services.
progs=$(sed -n 's/^[[:space:]]*"bin-path"[[:space:]]*=>[[:space:]]*"\([^"]*\)".*/\1/p' \
	"$ROOT/etc/lighttpd/conf-available/50-gatehouse.conf" 2>/dev/null |
	tr ' ' '\n' | grep '^/' | sort -u)
check "the lighttpd module starts each service through gatehouse-spawn" \
	test "$(grep -c '^/usr/libexec/gatehouse/gatehouse-spawn$' <<<"$progs") $(wc -l <<<"$progs")" = "1 5"
for f in $progs; do
	check "$f, which the lighttpd module runs, is installed" test -x "$ROOT$f"
done

# --- 4. serve ----------------------------------------------------------------------
say "Apache, in a network namespace of its own"
count < <(isolated bash /tmp/inside.sh serve apache one.gent 2>&1)
say "lighttpd, in a network namespace of its own"
count < <(isolated bash /tmp/inside.sh serve lighttpd two.gent 2>&1)

# --- 5. upgrade --------------------------------------------------------------------
say "upgrading to $v2"
check "dpkg -i the newer version" \
	in_root sh -c "dpkg -i /tmp/${deb2##*/} >/tmp/upgrade.log 2>&1 ||
		{ tail -n 20 /tmp/upgrade.log >&2; exit 1; }"
check "the newer version is installed" \
	test "$(in_root dpkg-query -W -f='${Version}' gatehouse)" = "$v2"
count < <(isolated bash /tmp/inside.sh kept one.gent 2>&1)

# --- 6. purge ------------------------------------------------------------------------
say "purging"
check "apt-get purge gatehouse" \
	in_root sh -c "apt-get purge -y -q gatehouse >/tmp/purge.log 2>&1 ||
		{ tail -n 20 /tmp/purge.log >&2; exit 1; }"
for f in /var/lib/gatehouse /etc/gatehouse /var/log/gatehouse \
	/etc/apache2/sites-available/gatehouse.conf \
	/etc/apache2/sites-enabled/gatehouse.conf \
	/etc/lighttpd/conf-available/50-gatehouse.conf \
	/etc/lighttpd/conf-enabled/50-gatehouse.conf \
	/usr/libexec/gatehouse /usr/sbin/gatectl \
	/etc/systemd/system/timers.target.wants/gatehouse-worker.timer; do
	check "purge leaves no $f" test ! -e "$ROOT$f" -a ! -L "$ROOT$f"
done
# A worker the factory started lingers 30 s after its last order.
running() { [[ -n $(root_pids) ]]; }
for ((i = 0; i < 60 && $(root_pids | wc -l) > 0; i++)); do sleep 1; done
check "nothing of the root runs any more" eval '! running'
[[ -n $(root_pids) ]] && ps -o pid,user,args -p "$(root_pids | paste -sd,)" >&2
finish
