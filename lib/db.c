/* SPDX-License-Identifier: ISC */
#include "db.h"
