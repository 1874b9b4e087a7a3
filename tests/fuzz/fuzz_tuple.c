// SPDX-License-Identifier: GPL-3.0-or-later
/* fuzz_tuple: libFuzzer target for the ufw rules reader: arbitrary bytes as one
 * tuple line, as a whole user*.rules stream, and the kept rules printed back. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "rule.h"
#include "show_added.h"
#include "ufw_rules.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as one line, in a buffer of exactly size bytes (no NUL after). */
static void fuzz_line(const uint8_t *data, size_t size, enum ufw_family fam)
{
	char *line = xmalloc(size ? size : 1);
	struct ufw_rule r;
	struct diag d;

	memcpy(line, data, size);
	diag_init(&d, NULL);
	memset(&r, 0, sizeof(r));
	if (ufw_tuple_parse(line, size, fam, "fuzz", 1, &r, &d) == 1)
		ufw_rule_free(&r);
	else if (d.warnings + d.errors > 1)
		abort(); /* one message per skipped line */
	diag_free(&d);
	free(line);
}

/* Every kept rule through the show-added printer, one by one and whole. */
static void print_rules(const struct ufw_ruleset *rs, struct diag *d)
{
	struct strbuf out = {0};

	for (size_t i = 0; i < rs->n; i++) {
		ufw_rule_command(&rs->v[i], &out, d);
		ufw_hex_decode(rs->v[i].comment_hex, &out);
	}
	sb_reset(&out);
	show_added(rs, &out, d);
	if (!str_startswith(sb_str(&out), "Added user rules"))
		abort();
	sb_free(&out);
}

static void fuzz_stream(const uint8_t *data, size_t size, enum ufw_family fam)
{
	struct ufw_ruleset rs = {0};
	struct diag d;
	FILE *f;

	if (!size)
		return;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return;
	diag_init(&d, NULL);
	if (ufw_rules_read_stream(f, "fuzz", fam, &rs, &d) != 0)
		abort(); /* a memory stream has no read errors */
	fclose(f);
	print_rules(&rs, &d);
	ufw_ruleset_free(&rs);
	diag_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_line(data, size, UFW_V4);
	fuzz_line(data, size, UFW_V6);
	fuzz_stream(data, size, size % 2 ? UFW_V6 : UFW_V4);
	return 0;
}
