/* SPDX-License-Identifier: ISC */
#include "req.h"
