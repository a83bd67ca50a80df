#!/bin/sh
# SPDX-License-Identifier: ISC
#
# conf2mdoc.sh TEMPLATE: gatehouse.conf(5) from TEMPLATE, with its line
# "@REFERENCE@" replaced by the configuration reference that
# `gatectl config-reference` prints (Markdown) on standard input:
#
#   gatectl config-reference | sh doc/conf2mdoc.sh doc/gatehouse.conf.5.in
#
# It reads only what every reference has: a heading "[section]" per
# section, and a table whose rows are "| `key` | type | default | values |
# description |", in that order.  So the page follows the configuration
# tables whatever shape they take in the code, and cannot drift from them.
# A row it cannot read is an error, never a silently missing key.
set -eu

template=${1:?usage: conf2mdoc.sh TEMPLATE < reference.md}
ref=$(mktemp)
trap 'rm -f "$ref"' EXIT
cat >"$ref"

awk -v ref="$ref" '
# Split a table row into cells: "|" ends a cell except inside a code span
# or escaped as "\|".
function cells(row, out,    n, i, c, code, cur) {
	n = 0; code = 0; cur = ""
	sub(/^[ \t]*\|/, "", row)
	sub(/\|[ \t]*$/, "", row)
	for (i = 1; i <= length(row); i++) {
		c = substr(row, i, 1)
		if (c == "\\" && substr(row, i + 1, 1) == "|") {
			cur = cur "|"; i++; continue
		}
		if (c == "`")
			code = !code
		if (c == "|" && !code) {
			out[++n] = trim(cur); cur = ""; continue
		}
		cur = cur c
	}
	out[++n] = trim(cur)
	return n
}
function trim(s) {
	sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s)
	return s
}
# Text for a text line: escapes, no leading blanks or control character,
# one sentence a line.
function textline(s,    r, line, part, k) {
	gsub(/\\/, "\\e", s)
	s = trim(s)
	gsub(/\.  +/, ". ", s)
	gsub(/[.?!] +/, "&\n", s)
	gsub(/ +\n/, "\n", s)
	r = ""
	while (s != "") {
		if (match(s, /\n/)) {
			line = substr(s, 1, RSTART - 1); s = substr(s, RSTART + 1)
		} else {
			line = s; s = ""
		}
		line = trim(line)
		# At most 72 bytes a line, broken at blanks.
		while (line != "") {
			part = line
			if (length(line) > 72) {
				for (k = 72; k > 1 && substr(line, k, 1) != " "; k--)
					;
				if (k > 1)
					part = substr(line, 1, k - 1)
			}
			line = trim(substr(line, length(part) + 1))
			if (part ~ /^[.'\'']/)
				part = "\\&" part
			r = r part "\n"
		}
	}
	return r
}
# A macro argument, quoted.
function arg(s) {
	gsub(/\\/, "\\e", s)
	gsub(/"/, "\\(dq", s)
	return "\"" s "\""
}
# Markdown cell text to mdoc lines: code spans become .Ql, punctuation
# right after one goes on its line as delimiters.
function inline(s,    r, i, j, code, p) {
	r = ""
	while ((i = index(s, "`")) > 0) {
		r = r textline(substr(s, 1, i - 1))
		s = substr(s, i + 1)
		j = index(s, "`")
		if (j == 0) {
			print "conf2mdoc: unbalanced ` in: " s > "/dev/stderr"
			exit 1
		}
		code = substr(s, 1, j - 1)
		s = substr(s, j + 1)
		p = ""
		while (s ~ /^[.,;:)]/ && (length(s) == 1 || substr(s, 2, 1) ~ /[ .,;:)]/)) {
			p = p " " substr(s, 1, 1)
			s = substr(s, 2)
		}
		r = r ".Ql " arg(code) p "\n"
	}
	return r textline(s)
}
function row(line,    c, n, key, d) {
	n = cells(line, c)
	if (n != 5 || c[1] !~ /^`[^`]+`$/) {
		print "conf2mdoc: cannot read this row: " line > "/dev/stderr"
		exit 1
	}
	key = substr(c[1], 2, length(c[1]) - 2)
	if (!inlist) {
		print ".Bl -tag -width Ds"
		inlist = 1
	}
	printf ".It Ic %s Pq %s\n", key, c[2]
	printf "%s", inline(c[5])
	printf ".Pp\nDefault:\n"
	d = inline(c[3])
	sub(/\n$/, "", d)
	printf "%s%s\nvalues:\n", d, d ~ /(^|\n)\.[^\n]*$/ ? " ;" : ";"
	printf "%s", inline(c[4])
	nkeys++
}
function endlist() {
	if (inlist)
		print ".El"
	inlist = 0
}
function reference(    line) {
	while ((getline line < ref) > 0) {
		if (line ~ /^#+[ \t]*\[[A-Za-z0-9_.-]+\][ \t]*$/) {
			endlist()
			sub(/^#+[ \t]*/, "", line)
			line = trim(line)
			printf ".Ss \\&%s\\&\n", line
			nsect++
		} else if (line ~ /^\|[ \t]*`/) {
			row(line)
		}
		# The header row, the rule under it, blank lines and any
		# prose between tables are not part of the page.
	}
	endlist()
	if (nsect == 0 || nkeys == 0) {
		print "conf2mdoc: no section or key in the reference" > "/dev/stderr"
		exit 1
	}
}
$0 == "@REFERENCE@" { reference(); next }
{ print }
' "$template"
