#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# 0009-acme.sh again with certmaker on a throwaway PostgreSQL
# (tests/pg.sh), its lines tagged +pg: ACME's nonces, accounts, orders and
# authorizations, certbot and lego on the other backend.  With lighttpd
# only: under Apache the script takes minutes more and tests no more of
# the database (0004-certmaker-pg runs with both servers).
#
# gh-timeout: 900

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

if [[ $GH_SERVER != lighttpd ]]; then
	ok "0009-acme on PostgreSQL runs with lighttpd only # skip"
	exit 0
fi
pg_throwaway || finish
trap pg_throwaway_stop EXIT
pg_run 0009-acme.sh certmaker "SELECT count(*) FROM acme_order"
finish
