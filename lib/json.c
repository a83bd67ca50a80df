/* SPDX-License-Identifier: ISC */
#include "json.h"
