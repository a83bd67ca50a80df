/* SPDX-License-Identifier: ISC */
/*
 * sections: every service's section of gatehouse.conf, for gh_conf_load().
 * Every process knows them all, so that an unknown section or key is an
 * error wherever the file is read, and `gatectl config-reference` writes
 * them all.
 */
#ifndef SECTIONS_H
#define SECTIONS_H

#include "conf.h"

/* [factory], [certmaker], [icyfire], [apihost]; NULL-terminated. */
extern const struct gh_conf_table *const gatehouse_sections[];

#endif
