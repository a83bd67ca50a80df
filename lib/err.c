/* SPDX-License-Identifier: ISC */
#include "err.h"
