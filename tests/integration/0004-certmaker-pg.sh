#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# 0004-certmaker.sh again with certmaker on a throwaway PostgreSQL
# (tests/pg.sh), its lines tagged +pg: users, the root, certificates, OCSP,
# the CRL and challenges through the same requests on the other backend.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pg_run 0004-certmaker.sh certmaker "SELECT count(*) FROM cert"
