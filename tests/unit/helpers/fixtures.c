/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fixtures: the shared unit-test helpers: add_tuple (fails the running cmocka
 * test on a skipped rule) and read_all. */
#include "fixtures.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

/* Rules come from the product's own parser, as from a real user.rules. */
void add_tuple(struct ufw_ruleset *rs, enum ufw_family fam, const char *tuple,
	       unsigned line)
{
	struct diag d;

	diag_init(&d, stderr);
	if (ufw_ruleset_add_tuple(rs, tuple, fam,
				  fam == UFW_V6 ? "user6.rules" : "user.rules", line,
				  &d) != 1)
		fail_msg("the parser skipped: %s", tuple);
	diag_free(&d);
}

char *read_all(const char *path)
{
	struct strbuf sb = {0};
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_addn(&sb, buf, n);
	fclose(f);
	return sb_detach(&sb);
}
