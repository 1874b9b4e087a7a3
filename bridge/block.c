/* SPDX-License-Identifier: GPL-3.0-or-later */
/* block: the managed-block splicer. Owns the marker texts and the rules for
 * finding, replacing and removing our block without touching other bytes. */
#include "block.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARK_BEGIN "# BEGIN ufw-docker"
#define MARK_END   "# END ufw-docker"

const struct block_kind block_kind_rules = {
    .begin =
	"# BEGIN ufw-docker managed block: do not edit (ufw-docker sync rewrites it)",
    .end = "# END ufw-docker managed block",
    .has_args = false,
    .after_shebang = false,
};

const struct block_kind block_kind_init = {
    .begin = "# BEGIN ufw-docker hook",
    .end = "# END ufw-docker hook",
    .has_args = true,
    .after_shebang = true,
};

/* One line of a text: [off, off + len) without its '\n'; next is past it. */
struct line {
	size_t off, len, next;
};

static struct line line_at(const char *text, size_t len, size_t off)
{
	const char *nl = memchr(text + off, '\n', len - off);
	struct line l = {off, 0, len};

	l.len = nl ? (size_t)(nl - text) - off : len - off;
	if (nl)
		l.next = (size_t)(nl - text) + 1;
	return l;
}

/* The line as a C string, leading blanks and trailing blanks/CR removed. */
static char *line_trimmed(const char *text, const struct line *l)
{
	const char *s = text + l->off;
	size_t n = l->len;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return xstrndup(s, n);
}

/* Parses BEGIN's " (a) (b)" tail into loc. Returns 0 or -EBADMSG. */
static int parse_args(const char *tail, const struct block_kind *k, struct block_loc *loc)
{
	struct strbuf args = {0};
	const char *close;

	while (*tail) {
		if (tail[0] != ' ' || tail[1] != '(')
			goto bad;
		close = strchr(tail + 2, ')');
		if (!close || memchr(tail + 2, '(', (size_t)(close - tail - 2)))
			goto bad;
		if (!strncmp(tail + 1, BLOCK_NL_ADDED, strlen(BLOCK_NL_ADDED)) &&
		    close - tail == (long)strlen(BLOCK_NL_ADDED)) {
			loc->nl_added = true;
		} else {
			if (!k->has_args)
				goto bad;
			if (args.len)
				sb_addc(&args, ' ');
			sb_addn(&args, tail + 1, (size_t)(close - tail));
		}
		tail = close + 1;
	}
	loc->args = sb_detach(&args);
	return 0;
bad:
	sb_free(&args);
	return -EBADMSG;
}

static int damaged(struct diag *d, const char *file, unsigned line, const char *what)
{
	diag_err(d, file, line,
		 "damaged ufw-docker markers: %s; fix or remove them by hand", what);
	return -EBADMSG;
}

/* Checks one marker line s (BEGIN when begin) at lineno against k. */
static int marker_line(const char *s, bool begin, unsigned lineno,
		       const struct block_kind *k, const char *file,
		       struct block_loc *loc, struct diag *d)
{
	if (!begin) {
		if (!streq(s, k->end))
			return damaged(d, file, lineno, "unexpected END marker text");
		if (!loc->begin_line)
			return damaged(d, file, lineno,
				       "END marker without a BEGIN before it");
		if (loc->end_line)
			return damaged(d, file, lineno, "a second END marker");
		loc->end_line = lineno;
		return 0;
	}
	if (loc->end_line)
		return damaged(d, file, lineno, "a second managed block");
	if (loc->begin_line)
		return damaged(d, file, lineno, "a second BEGIN marker before END");
	loc->begin_line = lineno;
	if (!str_startswith(s, k->begin) || parse_args(s + strlen(k->begin), k, loc) < 0)
		return damaged(d, file, lineno, "unexpected BEGIN marker text");
	return 0;
}

static int scan(const char *text, size_t len, const struct block_kind *k,
		const char *file, struct block_loc *loc, struct diag *d)
{
	unsigned lineno = 0;
	struct line l;
	char *s;
	int ret = 0;

	for (size_t off = 0; off < len && ret == 0; off = l.next) {
		l = line_at(text, len, off);
		lineno++;
		s = line_trimmed(text, &l);
		if (str_startswith(s, MARK_BEGIN) || str_startswith(s, MARK_END)) {
			bool begin = str_startswith(s, MARK_BEGIN);

			ret = marker_line(s, begin, lineno, k, file, loc, d);
			if (ret == 0 && begin) {
				loc->start = l.off;
				loc->body_start = l.next;
			} else if (ret == 0) {
				loc->body_stop = l.off;
				loc->stop = l.next;
			}
		}
		free(s);
	}
	if (ret == 0 && loc->begin_line && !loc->end_line)
		ret = damaged(d, file, loc->begin_line, "BEGIN marker without an END");
	return ret;
}

int block_locate(const char *text, size_t len, const struct block_kind *k,
		 const char *file, struct block_loc *loc, struct diag *d)
{
	int ret;

	memset(loc, 0, sizeof(*loc));
	ret = scan(text, len, k, file, loc, d);
	if (ret < 0) {
		block_loc_free(loc);
		return ret;
	}
	loc->present = loc->begin_line != 0;
	if (!loc->args)
		loc->args = xstrdup("");
	return 0;
}

void block_loc_free(struct block_loc *loc)
{
	free(loc->args);
	loc->args = NULL;
}

static void render(const struct block_kind *k, const char *args, bool nl_added,
		   const char *body, struct strbuf *out)
{
	size_t n = strlen(body);

	sb_adds(out, k->begin);
	if (k->has_args && args && *args)
		sb_addf(out, " %s", args);
	if (nl_added)
		sb_adds(out, " " BLOCK_NL_ADDED);
	sb_addc(out, '\n');
	sb_adds(out, body);
	if (n > 0 && body[n - 1] != '\n')
		sb_addc(out, '\n');
	sb_adds(out, k->end);
	sb_addc(out, '\n');
}

/* Where a new block goes: after a first "#!" line, or at the end. */
static size_t insert_at(const char *text, size_t len, const struct block_kind *k)
{
	if (k->after_shebang && len >= 2 && text[0] == '#' && text[1] == '!')
		return line_at(text, len, 0).next;
	if (k->after_shebang)
		return 0;
	return len;
}

int block_set(const char *text, size_t len, const struct block_kind *k, const char *file,
	      const char *args, const char *body, struct strbuf *out, struct diag *d)
{
	struct block_loc loc;
	size_t at;
	bool nl;
	int ret = block_locate(text, len, k, file, &loc, d);

	if (ret < 0)
		return ret;
	sb_reset(out);
	if (loc.present) {
		sb_addn(out, text, loc.start);
		render(k, args, loc.nl_added, body, out);
		sb_addn(out, text + loc.stop, len - loc.stop);
	} else {
		at = insert_at(text, len, k);
		nl = at > 0 && text[at - 1] != '\n';
		sb_addn(out, text, at);
		if (nl)
			sb_addc(out, '\n');
		render(k, args, nl, body, out);
		sb_addn(out, text + at, len - at);
	}
	block_loc_free(&loc);
	return 0;
}

int block_remove(const char *text, size_t len, const struct block_kind *k,
		 const char *file, struct strbuf *out, char **removed, struct diag *d)
{
	struct block_loc loc;
	size_t start;
	int ret = block_locate(text, len, k, file, &loc, d);

	if (ret < 0)
		return ret;
	*removed = NULL;
	sb_reset(out);
	if (!loc.present) {
		sb_addn(out, text, len);
		block_loc_free(&loc);
		return 0;
	}
	/* The newline we added goes only while the block still ends the text:
	 * with lines after it, dropping it would join two lines. */
	start = loc.start;
	if (loc.nl_added && loc.stop == len && start > 0 && text[start - 1] == '\n')
		start--;
	sb_addn(out, text, start);
	sb_addn(out, text + loc.stop, len - loc.stop);
	*removed = loc.args;
	return 0;
}

int block_body(const char *text, size_t len, const struct block_kind *k, const char *file,
	       struct strbuf *out, struct diag *d)
{
	struct block_loc loc;
	int ret = block_locate(text, len, k, file, &loc, d);

	if (ret < 0)
		return ret;
	sb_reset(out);
	if (loc.present)
		sb_addn(out, text + loc.body_start, loc.body_stop - loc.body_start);
	ret = loc.present;
	block_loc_free(&loc);
	return ret;
}

/* Exactly what block_init_args writes: "(mode " four octal digits ")". */
int block_init_mode(const char *args)
{
	static const char pre[] = "(mode ";
	const size_t np = sizeof(pre) - 1;
	int mode = 0;

	if (streq(args, "(created)"))
		return BLOCK_INIT_CREATED;
	if (strlen(args) != np + 5 || strncmp(args, pre, np) || args[np + 4] != ')')
		return -EBADMSG;
	for (size_t i = np; i < np + 4; i++) {
		if (args[i] < '0' || args[i] > '7')
			return -EBADMSG;
		mode = mode * 8 + (args[i] - '0');
	}
	return mode;
}

char *block_init_args(int mode)
{
	if (mode == BLOCK_INIT_CREATED)
		return xstrdup("(created)");
	return xasprintf("(mode %04o)", (unsigned)mode & 07777);
}
