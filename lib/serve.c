/* SPDX-License-Identifier: ISC */
#include "serve.h"
