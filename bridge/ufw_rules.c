/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ufw_rules: the reader of ufw's user.rules / user6.rules, a line-by-line copy
 * of ufw 0.36.2's _read_rules() and of UFWRule's validating setters. */
#include "ufw_rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define TUPLE_MARK  "### tuple ###"
#define COMMENT_SEP " comment="
#define MAX_FIELDS  9

/* A slice of the line; may hold NUL bytes, never NUL-terminated. */
struct field {
	const char *p;
	size_t n;
};

/* Where a tuple came from, for the one warning a skipped tuple gets. */
struct tuple_src {
	const char *file;
	unsigned line;
	struct field tupl; /* the text after the marker, as ufw prints it */
	struct diag *d;
};

/* Byte length of the Python str.isspace() character at p, or 0. */
static size_t py_space(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;

	if (n == 0)
		return 0;
	if ((u[0] >= 0x09 && u[0] <= 0x0d) || (u[0] >= 0x1c && u[0] <= 0x20))
		return 1;
	if (n >= 2 && u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
		return 2;
	if (n < 3)
		return 0;
	if (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80) /* U+1680 */
		return 3;
	if (u[0] == 0xe2 && u[1] == 0x80 &&
	    (u[2] <= 0x8a || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf))
		return u[2] >= 0x80 ? 3 : 0; /* U+2000-200A, 2028, 2029, 202F */
	if (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f) /* U+205F */
		return 3;
	if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80) /* U+3000 */
		return 3;
	return 0;
}

/* Python's str.strip() on a slice. */
static struct field py_strip(struct field f)
{
	size_t k;

	while (f.n && (k = py_space(f.p, f.n)) > 0) {
		f.p += k;
		f.n -= k;
	}
	while (f.n) {
		for (k = 1; k <= 3 && k <= f.n; k++)
			if (py_space(f.p + f.n - k, k) == k)
				break;
		if (k > 3 || k > f.n)
			break;
		f.n -= k;
	}
	return f;
}

/* re.split(r'\s+', s) of a stripped s; returns the number of fields, which
 * may exceed max (only max are stored). An empty s gives one empty field. */
static size_t py_split(struct field s, struct field *out, size_t max)
{
	size_t nf = 0, i = 0, start = 0, k;

	while (i <= s.n) {
		k = i < s.n ? py_space(s.p + i, s.n - i) : 0;
		if (i < s.n && k == 0) {
			i++;
			continue;
		}
		if (nf < max)
			out[nf] = (struct field){s.p + start, i - start};
		nf++;
		if (i == s.n)
			break;
		while (i < s.n && (k = py_space(s.p + i, s.n - i)) > 0)
			i += k;
		start = i;
	}
	return nf;
}

static bool field_is(struct field f, const char *s)
{
	return f.n == strlen(s) && memcmp(f.p, s, f.n) == 0;
}

/* A NUL-terminated copy, or NULL when the field holds a NUL byte (no value
 * with one is valid to ufw except an app name). */
static char *field_dup(struct field f)
{
	if (memchr(f.p, '\0', f.n))
		return NULL;
	return xstrndup(f.p, f.n);
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* int(s) of an all-digit slice, saturating at LONG_MAX. */
static long digits_value(const char *s, size_t n)
{
	long v = 0;

	for (size_t i = 0; i < n; i++) {
		if (v > (LONG_MAX - 9) / 10)
			return LONG_MAX;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* One item of a port list: a range, a number or a service name. */
static int port_item_parse(const char *p, size_t n, struct port_item *it,
			   struct strbuf *text)
{
	const char *colon = memchr(p, ':', n);
	long lo, hi;

	if (colon && all_digits(p, (size_t)(colon - p)) &&
	    all_digits(colon + 1, n - (size_t)(colon - p) - 1)) {
		lo = digits_value(p, (size_t)(colon - p));
		hi = digits_value(colon + 1, n - (size_t)(colon - p) - 1);
		if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535 || lo >= hi)
			return -EINVAL;
	} else if (all_digits(p, n)) {
		lo = hi = digits_value(p, n);
		if (lo < 1 || lo > 65535)
			return -EINVAL;
	} else if (n >= 2 && is_word(p[0]) && (is_word(p[1]) || p[1] == '-')) {
		char *name = xstrndup(p, n);
		struct servent *se = getservbyname(name, NULL);

		free(name);
		if (!se)
			return -EINVAL;
		lo = hi = ntohs((uint16_t)se->s_port);
		sb_addf(text, "%ld", lo);
		*it = (struct port_item){(uint16_t)lo, (uint16_t)hi};
		return 0;
	} else {
		return -EINVAL;
	}
	sb_addn(text, p, n);
	*it = (struct port_item){(uint16_t)lo, (uint16_t)hi};
	return 0;
}

static size_t count_chars(const char *s, const char *set)
{
	size_t c = 0;

	for (; *s; s++)
		c += strchr(set, *s) != NULL;
	return c;
}

int ufw_port_parse(const char *s, char **text, struct port_spec *ps)
{
	struct strbuf sb = {0};
	const char *p = s, *comma;
	int ret = 0;

	memset(ps, 0, sizeof(*ps));
	if (streq(s, "any")) {
		*text = xstrdup("any");
		return 0;
	}
	if (s[0] == ',' || s[0] == ':' || count_chars(s, ",:") > 14)
		return -EINVAL;
	for (;;) {
		comma = strchr(p, ',');
		if (ps->n)
			sb_addc(&sb, ',');
		ret = port_item_parse(p, comma ? (size_t)(comma - p) : strlen(p),
				      &ps->item[ps->n++], &sb);
		if (ret < 0 || !comma)
			break;
		p = comma + 1;
	}
	if (ret < 0) {
		sb_free(&sb);
		memset(ps, 0, sizeof(*ps));
		return ret;
	}
	*text = sb_detach(&sb);
	return 0;
}

/* _valid_cidr_netmask(): ^[0-9]+$ and 0..max. */
static bool valid_cidr(const char *s, long max)
{
	size_t n = strlen(s);

	return all_digits(s, n) && digits_value(s, n) <= max;
}

/* _valid_dotted_quads() for v4: ^[0-9]+\.[0-9.]+$, four parts 0..255. */
static bool valid_dotted(const char *s)
{
	size_t lead = strspn(s, "0123456789"), parts = 0;
	const char *p = s;

	if (lead == 0 || s[lead] != '.' || s[lead + 1] == '\0' ||
	    strspn(s + lead + 1, "0123456789.") != strlen(s + lead + 1))
		return false;
	for (;;) {
		size_t n = strcspn(p, ".");

		if (++parts > 4 || n == 0 || digits_value(p, n) > 255)
			return false;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return parts == 4;
}

/* valid_address4() and valid_address6() of ufw/util.py. */
static bool valid_family_addr(const char *a, bool v6)
{
	size_t n = strlen(a);
	const char *slash = strchr(a, '/');
	char host[64];
	unsigned char buf[16];

	if (n == 0 || n > (v6 ? 43 : 31) ||
	    strspn(a, v6 ? "abcdefABCDEF0123456789:./" : "0123456789./") != n)
		return false;
	if (slash && strchr(slash + 1, '/'))
		return false;
	n = slash ? (size_t)(slash - a) : n;
	memcpy(host, a, n);
	host[n] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, buf) != 1)
		return false;
	if (!slash)
		return true;
	return v6 ? valid_cidr(slash + 1, 128)
		  : valid_cidr(slash + 1, 32) || valid_dotted(slash + 1);
}

bool ufw_valid_address(const char *addr)
{
	return valid_family_addr(addr, false) || valid_family_addr(addr, true);
}

/* The quoted text of a bad line, with control bytes as \xNN: a warning
 * must not carry escape sequences or line breaks to the terminal or log. */
static char *quoted(const char *p, size_t n)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == 0x7f)
			sb_addf(&sb, "\\x%02x", c);
		else
			sb_addc(&sb, (char)c);
	}
	return sb_detach(&sb);
}

static void skip_warn(const struct tuple_src *ts, const char *what)
{
	char *q = quoted(ts->tupl.p, ts->tupl.n);

	diag_warn(ts->d, ts->file, ts->line, "Skipping malformed tuple%s: %s", what, q);
	free(q);
}

/* set_action() after the "PREFIX:" split: verb, then "_log"/"_log-all". */
static int action_parse(struct field f, struct ufw_rule *r)
{
	const char *colon = memchr(f.p, ':', f.n), *us, *end;
	struct field verb, log;
	char lower[8] = "";

	if (colon) {
		r->forward = true;
		f.n -= (size_t)(colon + 1 - f.p);
		f.p = colon + 1;
		colon = memchr(f.p, ':', f.n);
		f.n = colon ? (size_t)(colon - f.p) : f.n;
	}
	us = memchr(f.p, '_', f.n);
	verb = (struct field){f.p, us ? (size_t)(us - f.p) : f.n};
	for (size_t i = 0; i < verb.n && i < sizeof(lower) - 1; i++)
		lower[i] =
		    (char)(verb.p[i] | (verb.p[i] >= 'A' && verb.p[i] <= 'Z' ? 0x20 : 0));
	if (verb.n >= sizeof(lower))
		lower[0] = '\0';
	r->action = streq(lower, "allow")    ? UFW_ALLOW
		    : streq(lower, "reject") ? UFW_REJECT
		    : streq(lower, "limit")  ? UFW_LIMIT
					     : UFW_DENY;
	if (!us)
		return 0;
	end = memchr(us + 1, '_', f.n - verb.n - 1);
	log = (struct field){us + 1, end ? (size_t)(end - us - 1) : f.n - verb.n - 1};
	if (log.n == 0)
		return 0;
	if (log.n == 3 && strncasecmp(log.p, "log", 3) == 0)
		r->logtype = UFW_LOG_NEW;
	else if (log.n == 7 && strncasecmp(log.p, "log-all", 7) == 0)
		r->logtype = UFW_LOG_ALL;
	else
		return -EINVAL;
	return 0;
}

static int proto_parse(struct field f, struct ufw_rule *r)
{
	static const char *const protos[] = {"tcp",  "udp", "ipv6", "esp", "ah",
					     "igmp", "gre", "vrrp", "any"};

	for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
		if (field_is(f, protos[i])) {
			strcpy(r->proto, protos[i]);
			return 0;
		}
	}
	return -EINVAL;
}

static int port_field(struct field f, char **text, struct port_spec *ps)
{
	char *s = field_dup(f);
	int ret = s ? ufw_port_parse(s, text, ps) : -EINVAL;

	free(s);
	return ret;
}

/* set_src()/set_dst(), then _fix_anywhere() for the file's family. */
static int addr_field(struct field f, enum ufw_family fam, char **out)
{
	char *s = field_dup(f);

	if (!s)
		return -EINVAL;
	for (char *c = s; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 0x20);
	if (!streq(s, "any") && !ufw_valid_address(s)) {
		free(s);
		return -EINVAL;
	}
	if (streq(s, "any") || streq(s, "0.0.0.0/0") || streq(s, "::/0")) {
		free(s);
		s = xstrdup(fam == UFW_V6 ? "::/0" : "0.0.0.0/0");
	}
	*out = s;
	return 0;
}

/* set_interface(): 1-15 characters of [a-zA-Z0-9_-.+,=%@], not "." or "..". */
static int iface_set(struct field f, char dst[UFW_IFNAMSIZ])
{
	if (f.n == 0)
		return 0; /* ufw only calls set_interface for a non-empty name */
	if (f.n > 15 || field_is(f, ".") || field_is(f, ".."))
		return -EINVAL;
	for (size_t i = 0; i < f.n; i++)
		if (!is_word(f.p[i]) && !strchr("-.+,=%@", f.p[i]))
			return -EINVAL;
	memcpy(dst, f.p, f.n);
	dst[f.n] = '\0';
	return 0;
}

/* Python's "in_\w+" search with ASCII \w. */
static bool has_word_after(struct field f, const char *pfx)
{
	size_t k = strlen(pfx);

	for (size_t i = 0; i + k < f.n; i++)
		if (memcmp(f.p + i, pfx, k) == 0 && is_word(f.p[i + k]))
			return true;
	return false;
}

/* str.partition('_')[2] */
static struct field after_us(struct field f)
{
	const char *us = memchr(f.p, '_', f.n);

	if (!us)
		return (struct field){f.p + f.n, 0};
	return (struct field){us + 1, f.n - (size_t)(us + 1 - f.p)};
}

/* The interface part of the last field: in_X, out_Y, in_X!out_Y. Fills the
 * two slices; returns -EINVAL for ufw's "(iface)" skip. */
static int iface_split(struct field last, struct field *in, struct field *out)
{
	const char *bang = memchr(last.p, '!', last.n);

	*in = *out = (struct field){last.p, 0};
	if (!memchr(last.p, '_', last.n))
		return 0;
	if (bang && has_word_after(last, "in_") && has_word_after(last, "out_")) {
		const char *b2 =
		    memchr(bang + 1, '!', last.n - (size_t)(bang + 1 - last.p));
		struct field a = {last.p, (size_t)(bang - last.p)};
		struct field b = {bang + 1,
				  (b2 ? (size_t)(b2 - bang - 1) : last.n - a.n - 1)};

		*in = after_us(a);
		*out = after_us(b);
	} else if (last.n >= 3 && memcmp(last.p, "in_", 3) == 0) {
		*in = after_us(last);
	} else if (last.n >= 4 && memcmp(last.p, "out_", 4) == 0) {
		*out = after_us(last);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* The 8/9-field app names: "-" is none, "%20" is a space; NUL shown as '?'. */
static char *app_name(struct field f)
{
	struct strbuf sb = {0};

	if (field_is(f, "-"))
		return xstrdup("");
	for (size_t i = 0; i < f.n; i++) {
		if (i + 3 <= f.n && memcmp(f.p + i, "%20", 3) == 0) {
			sb_addc(&sb, ' ');
			i += 2;
		} else {
			sb_addc(&sb, f.p[i] ? f.p[i] : '?');
		}
	}
	return sb_detach(&sb);
}

/* dtype = last.split('_')[0], which must then be "in" or "out". */
static int direction_parse(struct field last, struct ufw_rule *r)
{
	const char *us = memchr(last.p, '_', last.n);
	struct field d = {last.p, us ? (size_t)(us - last.p) : last.n};

	if (field_is(d, "in"))
		r->direction = UFW_DIR_IN;
	else if (field_is(d, "out"))
		r->direction = UFW_DIR_OUT;
	else
		return -EINVAL;
	return 0;
}

/* The UFWRule constructor and the setters _read_rules() calls after it. */
static int rule_build(const struct field *f, size_t nf, enum ufw_family fam,
		      struct ufw_rule *r)
{
	struct field in = {0}, out = {0};

	if (action_parse(f[0], r) < 0 || proto_parse(f[1], r) < 0 ||
	    port_field(f[2], &r->dport_text, &r->dport) < 0 ||
	    port_field(f[4], &r->sport_text, &r->sport) < 0 ||
	    addr_field(f[5], fam, &r->src) < 0 || addr_field(f[3], fam, &r->dst) < 0)
		return -EINVAL;
	if (nf == 7 || nf == 9) {
		if (direction_parse(f[nf - 1], r) < 0)
			return -EINVAL;
		iface_split(f[nf - 1], &in, &out); /* checked by the caller */
		if (iface_set(in, r->iface_in) < 0 || iface_set(out, r->iface_out) < 0)
			return -EINVAL;
	}
	r->dapp = app_name(nf >= 8 ? f[6] : (struct field){"-", 1});
	r->sapp = app_name(nf >= 8 ? f[7] : (struct field){"-", 1});
	return 0;
}

/* Splits off " comment=" as ufw does; -E2BIG when it occurs twice. */
static int comment_split(struct field *line, struct field *hex)
{
	const char *c = memmem(line->p, line->n, COMMENT_SEP, strlen(COMMENT_SEP));
	size_t skip;

	*hex = (struct field){line->p + line->n, 0};
	if (!c)
		return 0;
	skip = (size_t)(c - line->p) + strlen(COMMENT_SEP);
	*hex = (struct field){c + strlen(COMMENT_SEP), line->n - skip};
	if (memmem(hex->p, hex->n, COMMENT_SEP, strlen(COMMENT_SEP)))
		return -E2BIG;
	line->n = (size_t)(c - line->p);
	*hex = py_strip(*hex);
	return 0;
}

static char *comment_dup(struct field hex)
{
	char *s = xstrndup(hex.p, hex.n);

	for (size_t i = 0; i < hex.n; i++)
		if (!s[i])
			s[i] = '?'; /* invalid hex either way */
	return s;
}

static int tuple_fields(struct tuple_src *ts, struct field *f, size_t *nf)
{
	struct field last;

	*nf = py_split(py_strip(ts->tupl), f, MAX_FIELDS + 1);
	if (*nf < 6 || *nf > MAX_FIELDS) {
		skip_warn(ts, " (bad length)");
		return -EINVAL;
	}
	last = f[*nf - 1];
	if ((*nf == 7 || *nf == 9) &&
	    iface_split(last, &(struct field){0}, &(struct field){0}) < 0) {
		skip_warn(ts, " (iface)");
		return -EINVAL;
	}
	return 0;
}

int ufw_tuple_parse(const char *line, size_t len, enum ufw_family fam, const char *file,
		    unsigned lineno, struct ufw_rule *out, struct diag *d)
{
	struct tuple_src ts = {file, lineno, {line, len}, d};
	struct field f[MAX_FIELDS + 1], hex, l = {line, len};
	size_t nf, k, mark = strlen(TUPLE_MARK);
	struct ufw_rule r = {0};

	memset(out, 0, sizeof(*out));
	if (comment_split(&l, &hex) < 0) {
		char *q = quoted(line, len);

		diag_warn(
		    d, file, lineno,
		    "skipping line with two ' comment=' (ufw itself fails on it): %s", q);
		free(q);
		return 0;
	}
	if (l.n < mark || memcmp(l.p, TUPLE_MARK, mark) != 0)
		return 0;
	ts.tupl = (struct field){l.p + mark, l.n - mark};
	while ((k = py_space(ts.tupl.p, ts.tupl.n)) > 0) {
		ts.tupl.p += k;
		ts.tupl.n -= k;
	}
	if (tuple_fields(&ts, f, &nf) < 0)
		return 0;
	r.family = fam;
	r.direction = UFW_DIR_IN;
	if (rule_build(f, nf, fam, &r) < 0) {
		ufw_rule_free(&r);
		skip_warn(&ts, "");
		return 0;
	}
	r.comment_hex = comment_dup(hex);
	r.file = file;
	r.line = lineno;
	*out = r;
	return 1;
}

static bool utf8_valid(const char *s, size_t n)
{
	size_t k;

	for (size_t i = 0; i < n; i += k)
		if ((k = utf8_seq_len((const unsigned char *)s + i, n - i)) == 0)
			return false;
	return true;
}

/* One '\n'-terminated line: may hold several Python lines split by '\r'. */
static void read_physical_line(char *buf, size_t n, const char *file, unsigned lineno,
			       enum ufw_family fam, struct ufw_ruleset *rs,
			       struct diag *d)
{
	struct ufw_rule r;
	char *cr;

	if (n && buf[n - 1] == '\n')
		n--;
	if (!utf8_valid(buf, n))
		diag_warn(d, file, lineno,
			  "invalid UTF-8 (ufw itself cannot read this file)");
	while (n) {
		cr = memchr(buf, '\r', n);
		if (ufw_tuple_parse(buf, cr ? (size_t)(cr - buf) : n, fam, file, lineno,
				    &r, d) == 1)
			ufw_ruleset_push(rs, &r);
		if (!cr)
			break;
		n -= (size_t)(cr + 1 - buf);
		buf = cr + 1;
	}
}

int ufw_ruleset_add_tuple(struct ufw_ruleset *rs, const char *tuple, enum ufw_family fam,
			  const char *file, unsigned lineno, struct diag *d)
{
	char *line = xasprintf("### tuple ### %s", tuple);
	struct ufw_rule r;
	int kept = ufw_tuple_parse(line, strlen(line), fam, ufw_ruleset_file(rs, file),
				   lineno, &r, d);

	if (kept == 1)
		ufw_ruleset_push(rs, &r);
	free(line);
	return kept;
}

int ufw_rules_read_stream(FILE *f, const char *file, enum ufw_family fam,
			  struct ufw_ruleset *rs, struct diag *d)
{
	const char *name = ufw_ruleset_file(rs, file);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	int ret = 0;

	while ((n = getline(&buf, &cap, f)) >= 0) {
		if (lineno < UINT_MAX)
			lineno++;
		read_physical_line(buf, (size_t)n, name, lineno, fam, rs, d);
	}
	if (ferror(f)) {
		ret = errno ? -errno : -EIO;
		diag_err(d, file, 0, "cannot read: %s", strerror(-ret));
	}
	free(buf);
	return ret;
}

int ufw_rules_read_file(const char *path, enum ufw_family fam, struct ufw_ruleset *rs,
			struct diag *d)
{
	FILE *f = fopen(path, "re");
	int ret;

	if (!f) {
		ret = -errno;
		diag_err(d, path, 0, "cannot open for reading: %s", strerror(errno));
		return ret;
	}
	ret = ufw_rules_read_stream(f, path, fam, rs, d);
	fclose(f);
	return ret;
}

int ufw_rules_load(const char *root, bool ipv6, struct ufw_ruleset *rs, struct diag *d)
{
	char *p4 = path_under_root(root, "/etc/ufw/user.rules");
	char *p6 = path_under_root(root, "/etc/ufw/user6.rules");
	int ret = ufw_rules_read_file(p4, UFW_V4, rs, d);

	if (ret == 0 && ipv6)
		ret = ufw_rules_read_file(p6, UFW_V6, rs, d);
	free(p4);
	free(p6);
	return ret;
}

bool ufw_kernel_has_ipv6(void)
{
	return access("/proc/sys/net/ipv6", F_OK) == 0;
}
