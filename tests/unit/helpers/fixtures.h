/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fixtures: what several unit tests share: rules added through the product's
 * own parser, and whole files (goldens) read into memory. */
#ifndef UFWD_TEST_FIXTURES_H
#define UFWD_TEST_FIXTURES_H

#include "ufw_rules.h"

/* Adds tuple to rs through the product's own parser, as line of user.rules
 * (user6.rules for UFW_V6); fails the test when the parser skips it. */
void add_tuple(struct ufw_ruleset *rs, enum ufw_family fam, const char *tuple,
	       unsigned line);

/* The whole file at path (caller frees), or NULL when it cannot be opened. */
char *read_all(const char *path);

#endif
