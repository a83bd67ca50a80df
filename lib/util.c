/* SPDX-License-Identifier: ISC */
#include "util.h"
