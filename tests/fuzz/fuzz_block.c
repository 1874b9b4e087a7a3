/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_block: libFuzzer target for the managed-block splicer (block.h) on
 * after*.rules and after.init texts: set, replace, remove and their laws. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "diag.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENTINEL "untouched"

/* The args a caller may pass: what sync writes into after.init's BEGIN. */
static const char *const args_choice[] = {"", "(created)", "(mode 0640)", "(mode 0755)"};

static void check(int cond)
{
	if (!cond)
		abort();
}

/* A copy of [s, s + n) in a buffer of exactly n bytes (an over-read trips ASan). */
static char *exact(const char *s, size_t n)
{
	char *p = malloc(n ? n : 1);

	check(p != NULL);
	if (n)
		memcpy(p, s, n);
	return p;
}

static int same(const struct strbuf *sb, const char *s, size_t n)
{
	return sb->len == n && (n == 0 || !memcmp(sb_str(sb), s, n));
}

/* Damaged markers: every entry point refuses, reports and leaves out alone. */
static void refused(const char *text, size_t len, const struct block_kind *k,
		    const char *args, const char *body)
{
	struct strbuf out = {0};
	struct diag d;
	static char mark[] = SENTINEL;
	char *removed = mark;

	diag_init(&d, NULL);
	sb_adds(&out, SENTINEL);
	check(block_set(text, len, k, "f", args, body, &out, &d) < 0);
	check(block_remove(text, len, k, "f", &out, &removed, &d) < 0);
	check(block_body(text, len, k, "f", &out, &d) < 0);
	check(streq(sb_str(&out), SENTINEL) && removed == mark);
	check(d.errors == 3);
	sb_free(&out);
	diag_free(&d);
}

/* No marker line of either kind: nothing our locate would call a block. */
static int clean(const char *s, size_t n)
{
	struct block_loc loc;
	struct diag d;
	int ok;

	diag_init(&d, NULL);
	ok = block_locate(s, n, &block_kind_rules, "b", &loc, &d) == 0 && !loc.present;
	block_loc_free(&loc);
	ok = ok && block_locate(s, n, &block_kind_init, "b", &loc, &d) == 0 &&
	     !loc.present;
	block_loc_free(&loc);
	diag_free(&d);
	return ok;
}

/* Removing a block keeps every byte outside it; the one exception is the
 * newline we added before it, dropped only while nothing follows the block
 * (else the lines around it would be joined). */
static void kept_outside(const char *text, size_t len, const struct block_kind *k,
			 const struct strbuf *removed)
{
	struct block_loc loc;
	size_t pre;
	struct diag d;

	diag_init(&d, NULL);
	check(block_locate(text, len, k, "f", &loc, &d) == 0 && loc.present);
	(void)block_init_mode(loc.args); /* what uninstall parses */
	pre = loc.start;
	if (loc.nl_added && loc.stop == len && pre > 0 && text[pre - 1] == '\n')
		pre--;
	check(removed->len == pre + len - loc.stop);
	check(!memcmp(sb_str(removed), text, pre));
	check(!memcmp(sb_str(removed) + pre, text + loc.stop, len - loc.stop));
	block_loc_free(&loc);
	diag_free(&d);
}

/* The laws for a text whose markers are sound. */
static void laws(const char *text, size_t len, const struct block_kind *k,
		 const char *args, const char *body)
{
	struct strbuf a = {0}, b = {0}, r0 = {0}, r1 = {0}, got = {0};
	size_t n = strlen(body);
	char *rm0 = NULL, *rm1 = NULL, *ta, *tr;
	struct diag d;

	diag_init(&d, NULL);
	check(block_remove(text, len, k, "f", &r0, &rm0, &d) == 0);
	if (!rm0)
		check(same(&r0, text, len)); /* no block: the text unchanged */
	else
		kept_outside(text, len, k, &r0);
	/* What is left has no block: removing again changes nothing. */
	tr = exact(sb_str(&r0), r0.len);
	check(block_remove(tr, r0.len, k, "f", &r1, &rm1, &d) == 0);
	check(rm1 == NULL && same(&r1, tr, r0.len));
	free(tr);

	check(block_set(text, len, k, "f", args, body, &a, &d) == 0);
	check(d.errors == 0);
	if (!clean(body, n))
		goto out; /* a body holding marker lines is the caller's bug */
	ta = exact(sb_str(&a), a.len);
	/* Setting the same block again gives the same bytes. */
	check(block_set(ta, a.len, k, "f", args, body, &b, &d) == 0);
	check(same(&b, ta, a.len));
	/* The body reads back, newline-terminated. */
	check(block_body(ta, a.len, k, "f", &got, &d) == 1);
	check(got.len == n + (n && body[n - 1] != '\n'));
	check(!memcmp(sb_str(&got), body, n));
	/* Removing what was set gives what removing the old block gave: the
	 * original bytes when there was none. */
	free(rm1);
	rm1 = NULL;
	check(block_remove(ta, a.len, k, "f", &r1, &rm1, &d) == 0);
	check(rm1 != NULL && streq(rm1, k->has_args ? args : ""));
	check(same(&r1, sb_str(&r0), r0.len));
	check(d.errors == 0);
	free(ta);
out:
	free(rm0);
	free(rm1);
	sb_free(&a);
	sb_free(&b);
	sb_free(&r0);
	sb_free(&r1);
	sb_free(&got);
	diag_free(&d);
}

/* Byte 0: bit 0 the kind, bits 1-2 the args; byte 1: the body's length,
 * taken from the end; the rest is the file's text (NUL bytes and all). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct block_kind *k;
	struct block_loc loc;
	const char *args;
	size_t nbody, len;
	char *text, *body;
	struct diag d;
	int ret;

	if (size < 2)
		return 0;
	k = data[0] & 1 ? &block_kind_init : &block_kind_rules;
	args = args_choice[(data[0] >> 1) & 3];
	nbody = data[1] < size - 2 ? data[1] : size - 2;
	len = size - 2 - nbody;
	text = exact((const char *)data + 2, len);
	body = xstrndup((const char *)data + 2 + len, nbody); /* stops at a NUL */

	diag_init(&d, NULL);
	ret = block_locate(text, len, k, "f", &loc, &d);
	check(ret == 0 || ret == -EBADMSG);
	check((ret < 0) == (d.errors == 1));
	if (ret == 0) {
		check(loc.args != NULL);
		check(!loc.present ||
		      (loc.begin_line < loc.end_line && loc.start < loc.body_start &&
		       loc.body_start <= loc.body_stop && loc.body_stop < loc.stop &&
		       loc.stop <= len));
		block_loc_free(&loc);
		laws(text, len, k, args, body);
	} else {
		refused(text, len, k, args, body);
	}
	diag_free(&d);

	/* after.init's BEGIN args: every mode survives the round trip. */
	if (size >= 4) {
		int mode = (data[2] | data[3] << 8) & 017777;
		char *s;

		if (mode > 07777)
			mode = BLOCK_INIT_CREATED;
		s = block_init_args(mode);
		check(block_init_mode(s) == mode);
		free(s);
	}
	free(text);
	free(body);
	return 0;
}
