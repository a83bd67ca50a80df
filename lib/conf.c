/* SPDX-License-Identifier: ISC */
#include "conf.h"
