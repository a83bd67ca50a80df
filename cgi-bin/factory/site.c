/* SPDX-License-Identifier: ISC */
#include "factory.h"
