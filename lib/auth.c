/* SPDX-License-Identifier: ISC */
#include "auth.h"
