#!/bin/sh
# SPDX-License-Identifier: ISC
# readme-reference.sh GATECTL README: replace the configuration reference
# in README (between the BEGIN and END config-reference lines) with what
# `GATECTL config-reference` prints, so that it is generated, never pasted.
# tests/unit/test_conf.c fails when the two differ.
set -eu
gatectl=$1
readme=$2
tmp=$readme.tmp.$$
ref=$readme.ref.$$
trap 'rm -f "$tmp" "$ref"' EXIT
"$gatectl" config-reference >"$ref"
awk -v ref="$ref" '
	/^<!-- END config-reference -->$/ {
		while ((getline line < ref) > 0)
			print line
		skip = 0
	}
	!skip { print }
	/^<!-- BEGIN config-reference/ { begin = 1 }
	begin && /-->$/ { skip = 1; begin = 0 }
' "$readme" >"$tmp"
grep -q '^<!-- END config-reference -->$' "$tmp" ||
	{ echo "$readme: no END config-reference line" >&2; exit 1; }
mv "$tmp" "$readme"
