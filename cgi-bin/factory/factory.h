/* SPDX-License-Identifier: ISC */
#ifndef FACTORY_H
#define FACTORY_H
#endif
