/* SPDX-License-Identifier: ISC */
#include "router.h"
