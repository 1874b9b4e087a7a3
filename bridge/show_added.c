/* SPDX-License-Identifier: GPL-3.0-or-later */
/* show_added: the text of `ufw show added`: ufw's get_command() for each rule,
 * its hex comment decoding, and the de-duplication of identical commands. */
#include "show_added.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* len(h) in characters (UTF-8 lead bytes), as Python counts a str. */
static size_t char_count(const char *h, size_t n, size_t *last)
{
	size_t c = 0;

	*last = 0;
	for (size_t i = 0; i < n; i++) {
		if (((unsigned char)h[i] & 0xc0) != 0x80) {
			c++;
			*last = i;
		}
	}
	return c;
}

/* bytes.decode('utf-8', 'backslashreplace'); every bad byte is "\xNN". */
static void utf8_backslashreplace(const char *s, size_t n, struct strbuf *out)
{
	size_t i = 0, k;

	while (i < n) {
		k = utf8_seq_len((const unsigned char *)s + i, n - i);
		if (k) {
			sb_addn(out, s + i, k);
			i += k;
		} else {
			sb_addf(out, "\\x%02x", (unsigned char)s[i]);
			i++;
		}
	}
}

int ufw_hex_decode(const char *hex, struct strbuf *out)
{
	size_t n = strlen(hex), last;
	struct strbuf raw = {0};
	int hi, lo;

	if (char_count(hex, n, &last) % 2)
		n = last;
	if (n % 2) /* unhexlify: "Odd-length string" */
		return -EINVAL;
	for (size_t i = 0; i < n; i += 2) {
		hi = hex_digit(hex[i]);
		lo = hex_digit(hex[i + 1]);
		if (hi < 0 || lo < 0) {
			sb_free(&raw);
			return -EINVAL;
		}
		sb_addc(&raw, (char)(hi << 4 | lo));
	}
	utf8_backslashreplace(raw.buf ? raw.buf : "", raw.len, out);
	sb_free(&raw);
	return 0;
}

static void add_comment(const struct ufw_rule *r, struct strbuf *out, struct diag *d)
{
	if (!r->comment_hex || !*r->comment_hex)
		return;
	sb_adds(out, " comment '");
	if (ufw_hex_decode(r->comment_hex, out) < 0) {
		diag_warn(
		    d, r->file, r->line,
		    "comment is not valid hex (ufw itself fails on it), shown raw: %s",
		    r->comment_hex);
		sb_adds(out, r->comment_hex);
	}
	sb_addc(out, '\'');
}

static bool is_any_addr(const char *a)
{
	return streq(a, "0.0.0.0/0") || streq(a, "::/0");
}

/* " app NAME" or " app 'NAME'" (fmt carries the leading words). */
static void add_app(struct strbuf *out, const char *pfx, const char *app)
{
	if (strchr(app, ' '))
		sb_addf(out, "%s'%s'", pfx, app);
	else
		sb_addf(out, "%s%s", pfx, app);
}

static void short_syntax(const struct ufw_rule *r, struct strbuf *out, struct diag *d)
{
	if (r->direction == UFW_DIR_OUT)
		sb_adds(out, " out");
	if (r->logtype != UFW_LOG_NONE)
		sb_addf(out, " %s", ufw_logtype_name(r->logtype));
	if (*r->dapp) {
		add_app(out, " ", r->dapp);
	} else {
		sb_addf(out, " %s", r->dport_text);
		if (!streq(r->proto, "any"))
			sb_addf(out, "/%s", r->proto);
	}
	add_comment(r, out, d);
}

static void add_endpoint(struct strbuf *out, const char *dir, const char *loc,
			 const char *port, const char *app)
{
	if (is_any_addr(loc))
		loc = "any";
	if (streq(loc, "any") && streq(port, "any") && !*app)
		return;
	sb_addf(out, " %s %s", dir, loc);
	if (*app)
		add_app(out, " app ", app);
	else if (!streq(port, "any"))
		sb_addf(out, " port %s", port);
}

static void full_syntax(const struct ufw_rule *r, struct strbuf *out, struct diag *d)
{
	size_t start = out->len;

	if (*r->iface_in)
		sb_addf(out, " in on %s", r->iface_in);
	if (*r->iface_out)
		sb_addf(out, " out on %s", r->iface_out);
	else if (r->direction == UFW_DIR_OUT)
		sb_adds(out, " out");
	if (r->logtype != UFW_LOG_NONE)
		sb_addf(out, " %s", ufw_logtype_name(r->logtype));
	add_endpoint(out, "from", r->src, r->sport_text, r->sapp);
	add_endpoint(out, "to", r->dst, r->dport_text, r->dapp);
	/* ufw searches the whole command so far, action included */
	if (!strstr(out->buf + start, " to ") && !strstr(out->buf + start, " from ") &&
	    !*r->iface_in && !*r->iface_out)
		sb_adds(out, " to any");
	if (!streq(r->proto, "any") && !*r->dapp && !*r->sapp)
		sb_addf(out, " proto %s", r->proto);
	add_comment(r, out, d);
}

static const char *or_default(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

void ufw_rule_command(const struct ufw_rule *rule, struct strbuf *out, struct diag *d)
{
	struct ufw_rule copy = *rule, *r = &copy;

	/* a rule built by hand may leave strings NULL: read them as ufw's defaults */
	copy.dport_text = (char *)or_default(rule->dport_text, "any");
	copy.sport_text = (char *)or_default(rule->sport_text, "any");
	copy.dst = (char *)or_default(rule->dst, "any");
	copy.src = (char *)or_default(rule->src, "any");
	copy.dapp = (char *)or_default(rule->dapp, "");
	copy.sapp = (char *)or_default(rule->sapp, "");
	if (r->forward)
		sb_adds(out, "route ");
	sb_adds(out, ufw_action_name(r->action));
	if (is_any_addr(r->dst) && is_any_addr(r->src) && streq(r->sport_text, "any") &&
	    !*r->sapp && !*r->iface_in && !*r->iface_out && !streq(r->dport_text, "any"))
		short_syntax(r, out, d);
	else
		full_syntax(r, out, d);
}

/* A set of byte strings (commands may hold NUL from a decoded comment). */
struct cmd_set {
	struct strbuf *v; /* open addressing; buf == NULL is empty */
	size_t cap, n;
};

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static struct strbuf *set_slot(struct cmd_set *cs, const struct strbuf *k)
{
	size_t i = (size_t)fnv1a(sb_str(k), k->len) & (cs->cap - 1);

	while (cs->v[i].buf &&
	       (cs->v[i].len != k->len || memcmp(cs->v[i].buf, sb_str(k), k->len) != 0))
		i = (i + 1) & (cs->cap - 1);
	return &cs->v[i];
}

/* Adds *k (taking it over) unless present; returns whether it was new. */
static bool set_add(struct cmd_set *cs, struct strbuf *k)
{
	struct strbuf *slot = set_slot(cs, k);

	if (slot->buf)
		return false;
	sb_addn(slot, sb_str(k), k->len);
	cs->n++;
	return true;
}

static void emit_family(const struct ufw_ruleset *rs, enum ufw_family fam,
			struct cmd_set *cs, struct strbuf *out, struct diag *d)
{
	struct strbuf cmd = {0};

	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].family != fam)
			continue;
		sb_reset(&cmd);
		ufw_rule_command(&rs->v[i], &cmd, d);
		if (!set_add(cs, &cmd))
			continue;
		sb_adds(out, "ufw ");
		sb_addn(out, sb_str(&cmd), cmd.len);
		sb_addc(out, '\n');
	}
	sb_free(&cmd);
}

void show_added(const struct ufw_ruleset *rs, struct strbuf *out, struct diag *d)
{
	struct cmd_set cs = {0};

	sb_adds(out, "Added user rules (see 'ufw status' for running firewall):\n");
	if (rs->n == 0) {
		sb_adds(out, "(None)\n");
		return;
	}
	cs.cap = 16;
	while (cs.cap < rs->n * 2)
		cs.cap *= 2;
	cs.v = xcalloc(cs.cap, sizeof(*cs.v));
	emit_family(rs, UFW_V4, &cs, out, d);
	emit_family(rs, UFW_V6, &cs, out, d);
	for (size_t i = 0; i < cs.cap; i++)
		sb_free(&cs.v[i]);
	free(cs.v);
}
