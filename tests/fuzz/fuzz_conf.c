/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for lib/conf.c: the input as gatehouse.conf, loaded by
 * gh_conf_load() from a memory file (memfd), then read back through the
 * getters.  A loaded configuration has every key; a refused one says why.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <unistd.h>

#include "conf.h"
#include "factory/factory.h"
#include "fuzz.h"
#include "sections.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gh_conf	 c;
	long long	 list[GH_CONF_LIST_MAX];
	char		 path[64], err[512];
	size_t		 k, t;
	int		 fd;

	if ((fd = memfd_create("gatehouse.conf", MFD_CLOEXEC)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&c, 0, sizeof(c));
	if (gh_conf_load(&c, gatehouse_sections, path, err, sizeof(err)) ==
	    GH_OK) {
		for (t = 0; t < c.ntab; t++) {
			for (k = 0; k < c.tab[t]->ndefs; k++) {
				if (gh_conf_str(&c, c.tab[t], k) == NULL)
					abort();
				(void)gh_conf_int(&c, c.tab[t], k);
			}
		}
		(void)gh_conf_intlist(&c, &factory_conf,
		    FACTORY_CONF_CALLBACK_SCHEDULE, list, GH_CONF_LIST_MAX);
		gh_conf_free(&c);
	} else if (err[0] == '\0')
		abort();
	close(fd);
	return 0;
}
