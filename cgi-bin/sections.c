/* SPDX-License-Identifier: ISC */
/* sections: the services' tables, in the order of the reference. */
#include "factory/factory.h"
#include "certmaker/certmaker.h"
#include "icyfire/icyfire.h"
#include "apihost/apihost.h"
#include "sections.h"

const struct gh_conf_table *const gatehouse_sections[] = {
	&factory_conf,
	&certmaker_conf,
	&icyfire_conf,
	&apihost_conf,
	NULL
};
