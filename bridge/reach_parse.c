/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reach_parse: iptables-save lines of one table to reach's rules (matches it
 * can decide, targets), and address prefixes as reach reads and prints them. */
#include "reach_rule.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- addresses ---- */

unsigned reach_fam_bits(int family)
{
	return family == 6 ? 128 : 32;
}

static bool mask_len(const uint8_t *m, unsigned bits, uint8_t *len)
{
	unsigned n = 0;

	while (n < bits && (m[n / 8] & (0x80 >> (n % 8))))
		n++;
	for (unsigned i = n; i < bits; i++)
		if (m[i / 8] & (0x80 >> (i % 8)))
			return false; /* not contiguous */
	*len = (uint8_t)n;
	return true;
}

static void pfx_clear_host(struct reach_pfx *p)
{
	for (unsigned i = p->len; i < 128; i++)
		p->a[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
}

bool reach_pfx_parse(const char *s, int family, struct reach_pfx *out)
{
	int af = family == 6 ? AF_INET6 : AF_INET;
	unsigned bits = reach_fam_bits(family);
	char buf[INET6_ADDRSTRLEN + 64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct reach_pfx p = {.len = (uint8_t)bits};

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(af, buf, p.a) != 1)
		return false;
	if (slash) {
		char *end;
		unsigned long l = strtoul(slash + 1, &end, 10);
		uint8_t m[16] = {0};

		if (*end == '\0' && end != slash + 1 && l <= bits)
			p.len = (uint8_t)l;
		else if (inet_pton(af, slash + 1, m) != 1 || !mask_len(m, bits, &p.len))
			return false;
	}
	pfx_clear_host(&p);
	*out = p;
	return true;
}

void reach_pfx_format(const struct reach_pfx *p, int family, struct strbuf *out)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(family == 6 ? AF_INET6 : AF_INET, p->a, buf, sizeof(buf));
	sb_adds(out, buf);
	if (p->len != reach_fam_bits(family))
		sb_addf(out, "/%u", p->len);
}

/* outer contains inner (equal counts). */
bool reach_pfx_contains(const struct reach_pfx *outer, const struct reach_pfx *inner)
{
	if (outer->len > inner->len)
		return false;
	for (unsigned i = 0; i < outer->len; i++) {
		uint8_t bit = 0x80 >> (i % 8);

		if ((outer->a[i / 8] & bit) != (inner->a[i / 8] & bit))
			return false;
	}
	return true;
}

bool reach_pfx_eq(const struct reach_pfx *a, const struct reach_pfx *b)
{
	return a->len == b->len && reach_pfx_contains(a, b);
}

/* ---- words ---- */

/* Splits line into words; "..." quotes with \" and \\ escapes. */
static int split_words(const char *line, char ***words, size_t *n)
{
	struct strbuf w = {0};
	char **v = NULL;
	size_t cnt = 0;
	const char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		sb_reset(&w);
		sb_addn(&w, "", 0);
		while (*s && *s != ' ' && *s != '\t') {
			if (*s != '"') {
				sb_addc(&w, *s++);
				continue;
			}
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
					s++;
				sb_addc(&w, *s);
			}
			if (*s != '"') {
				sb_free(&w);
				for (size_t i = 0; i < cnt; i++)
					free(v[i]);
				free(v);
				return -EINVAL;
			}
			s++;
		}
		v = xrealloc(v, (cnt + 1) * sizeof(*v));
		v[cnt++] = xstrdup(sb_str(&w));
	}
	sb_free(&w);
	*words = v;
	*n = cnt;
	return 0;
}

/* ---- rule parsing ---- */

static int proto_number(const char *s)
{
	static const struct {
		const char *name;
		int num;
	} t[] = {{"tcp", 6},	{"udp", 17},	  {"icmp", 1},	     {"esp", 50},
		 {"ah", 51},	{"gre", 47},	  {"ipv6-icmp", 58}, {"icmpv6", 58},
		 {"sctp", 132}, {"udplite", 136}, {"all", 0}};
	char *end;
	long n;

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (streq(s, t[i].name))
			return t[i].num;
	n = strtol(s, &end, 10);
	return (*s && !*end && n >= 0 && n <= 255) ? (int)n : -1;
}

static bool parse_port(const char *s, uint16_t *v)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);

	if (end == s || n > 65535)
		return false;
	*v = (uint16_t)n;
	return *end == '\0';
}

/* "80", "1000:2000", "22,80,1000:2000" */
static bool parse_ports(const char *s, struct port_match *pm)
{
	char *dup = xstrdup(s), *save = NULL, *tok;
	bool ok = true;

	pm->n = 0;
	for (tok = strtok_r(dup, ",", &save); tok && ok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');

		if (pm->n == REACH_MAX_PORTS) {
			ok = false;
			break;
		}
		if (colon)
			*colon = '\0';
		ok = parse_port(tok, &pm->lo[pm->n]);
		pm->hi[pm->n] = pm->lo[pm->n];
		if (ok && colon)
			ok = parse_port(colon[1] ? colon + 1 : "65535", &pm->hi[pm->n]);
		pm->n++;
	}
	free(dup);
	pm->set = ok && pm->n > 0;
	return pm->set;
}

static unsigned parse_state(const char *s)
{
	static const struct {
		const char *name;
		unsigned bit;
	} t[] = {{"NEW", CT_NEW},
		 {"ESTABLISHED", CT_ESTABLISHED},
		 {"RELATED", CT_RELATED},
		 {"INVALID", CT_INVALID},
		 {"UNTRACKED", CT_UNTRACKED},
		 {"SNAT", CT_SNAT},
		 {"DNAT", CT_DNAT}};
	char *dup = xstrdup(s), *save = NULL, *tok;
	unsigned bits = 0;

	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < ARRAY_SIZE(t); i++)
			if (streq(tok, t[i].name))
				bits |= t[i].bit;
	free(dup);
	return bits;
}

/* Options taking one argument we do not need for the verdict. */
static bool ignorable(const char *opt)
{
	static const char *const t[] = {
	    "-m",	   "--comment",	    "--log-prefix",  "--log-level",
	    "--limit",	   "--limit-burst", "--reject-with", "--name",
	    "--mask",	   "--seconds",	    "--hitcount",    "--log-uid",
	    "--tcp-flags",
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (streq(opt, t[i]))
			return true;
	return false;
}

/* Options without argument that do not change the verdict. */
static bool ignorable_flag(const char *opt)
{
	static const char *const t[] = {"--set",
					"--rsource",
					"--rdest",
					"--rttl",
					"--log-tcp-sequence",
					"--log-tcp-options",
					"--log-ip-options",
					"--reap"};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (streq(opt, t[i]))
			return true;
	return false;
}

static bool set_addr(struct addr_match *m, const char *v, bool neg, int family)
{
	m->set = true;
	m->neg = neg;
	return reach_pfx_parse(v, family, &m->p);
}

static bool set_if(struct if_match *m, const char *v, bool neg)
{
	if (strlen(v) >= sizeof(m->name))
		return false;
	m->set = true;
	m->neg = neg;
	strcpy(m->name, v);
	return true;
}

static void set_target(struct reach_rule *r, const char *opt, const char *v)
{
	static const struct {
		const char *name;
		enum target_kind kind;
	} t[] = {{"ACCEPT", T_ACCEPT},
		 {"DROP", T_DROP},
		 {"REJECT", T_REJECT},
		 {"RETURN", T_RETURN},
		 {"MARK", T_MARK}};

	r->target = xstrdup(v);
	r->kind = streq(opt, "-g") ? T_GOTO : T_JUMP;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (streq(v, t[i].name))
			r->kind = t[i].kind;
}

/* "V" or "V/M" (hex or decimal) into *v and *m (M: all ones when absent). */
static bool parse_mark(const char *s, uint32_t *v, uint32_t *m)
{
	char *end;
	unsigned long a = strtoul(s, &end, 0), b = 0xffffffffUL;

	if (end == s || a > 0xffffffffUL)
		return false;
	if (*end == '/') {
		const char *ms = end + 1;

		b = strtoul(ms, &end, 0);
		if (end == ms || b > 0xffffffffUL)
			return false;
	}
	*v = (uint32_t)a;
	*m = (uint32_t)b;
	return *end == '\0';
}

/* Marks: the mark match and MARK's --set-xmark (as iptables-save writes
 * every MARK target). */
static bool mark_option(struct reach_rule *r, const char *o, const char *v, bool neg)
{
	if (streq(o, "--mark")) {
		r->mark_set = true;
		r->mark_neg = neg;
		return parse_mark(v, &r->mark_v, &r->mark_m);
	}
	return !neg && streq(o, "--set-xmark") && parse_mark(v, &r->xmark_v, &r->xmark_m);
}

/* One option with its value (NULL when missing); false: not understood. */
static bool rule_option(struct reach_rule *r, const char *o, const char *v, bool neg,
			int family)
{
	if (!v)
		return false;
	if (streq(o, "-p") || streq(o, "--protocol")) {
		r->proto_set = true;
		r->proto_neg = neg;
		r->proto = proto_number(v);
		return r->proto >= 0;
	}
	if (streq(o, "-s") || streq(o, "--source"))
		return set_addr(&r->src, v, neg, family);
	if (streq(o, "-d") || streq(o, "--destination"))
		return set_addr(&r->dst, v, neg, family);
	if (streq(o, "--ctorigsrc"))
		return set_addr(&r->origsrc, v, neg, family);
	if (streq(o, "--ctorigdst"))
		return set_addr(&r->origdst, v, neg, family);
	if (streq(o, "-i") || streq(o, "--in-interface"))
		return set_if(&r->in, v, neg);
	if (streq(o, "-o") || streq(o, "--out-interface"))
		return set_if(&r->out, v, neg);
	if (streq(o, "--dport") || streq(o, "--dports") || streq(o, "--destination-port"))
		return (r->dport.neg = neg, parse_ports(v, &r->dport));
	if (streq(o, "--sport") || streq(o, "--sports") || streq(o, "--source-port"))
		return (r->sport.neg = neg, parse_ports(v, &r->sport));
	if (streq(o, "--ctorigdstport"))
		return (r->origdport.neg = neg, parse_ports(v, &r->origdport));
	if (streq(o, "--ctorigsrcport"))
		return (r->origsport.neg = neg, parse_ports(v, &r->origsport));
	if (streq(o, "--ctstate") || streq(o, "--state")) {
		r->state_set = true;
		r->state_neg = neg;
		r->state = parse_state(v);
		return true;
	}
	if (streq(o, "--ctdir")) {
		r->ctdir_reply = streq(v, "REPLY");
		return true;
	}
	if (streq(o, "--mark") || streq(o, "--set-xmark"))
		return mark_option(r, o, v, neg);
	return !neg && ignorable(o);
}

/* Parses words[2..] of "-A CHAIN ...". */
static void rule_parse(struct reach_rule *r, char **w, size_t n, int family)
{
	for (size_t i = 2; i < n; i++) {
		bool neg = streq(w[i], "!");
		const char *o, *v;

		if (neg && ++i >= n)
			break;
		o = w[i];
		v = i + 1 < n ? w[i + 1] : NULL;
		if (streq(o, "-j") || streq(o, "-g")) {
			if (v)
				set_target(r, o, v);
			i++;
			continue;
		}
		if (streq(o, "--update") || streq(o, "--rcheck")) {
			r->rate = true;
			continue;
		}
		if (!neg && ignorable_flag(o))
			continue;
		if (!rule_option(r, o, v, neg, family))
			r->unknown = true;
		i++;
	}
}

static void add_chain(struct reach_ruleset *rs, const char *name)
{
	if (reach_has_chain(rs, name))
		return;
	rs->drop_policy =
	    xrealloc(rs->drop_policy, (rs->n_chains + 1) * sizeof(*rs->drop_policy));
	rs->drop_policy[rs->n_chains] = false;
	rs->chains = xrealloc(rs->chains, (rs->n_chains + 1) * sizeof(*rs->chains));
	rs->chains[rs->n_chains++] = xstrdup(name);
}

static int parse_line(struct reach_ruleset *rs, const char *line)
{
	struct reach_rule *r;
	char **w;
	size_t n;
	int ret;

	if (line[0] == ':') {
		size_t len = strcspn(line + 1, " \t");
		char *name = xstrndup(line + 1, len);

		add_chain(rs, name);
		if (str_startswith(line + 1 + len, " DROP "))
			for (size_t i = 0; i < rs->n_chains; i++)
				rs->drop_policy[i] |= streq(rs->chains[i], name);
		free(name);
		return 0;
	}
	if (!str_startswith(line, "-A "))
		return 0;
	ret = split_words(line, &w, &n);
	if (ret)
		return ret;
	if (n >= 2) {
		if (rs->n == rs->cap) {
			rs->cap = rs->cap ? 2 * rs->cap : 32;
			rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
		}
		r = &rs->v[rs->n++];
		memset(r, 0, sizeof(*r));
		r->chain = xstrdup(w[1]);
		add_chain(rs, w[1]);
		rule_parse(r, w, n, rs->family);
		rs->unknown += r->unknown;
	}
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
	return 0;
}

int reach_parse(struct reach_ruleset *rs, int family, const char *text)
{
	const char *s = text;
	int ret = 0;

	rs->family = family;
	while (*s && ret == 0) {
		size_t len = strcspn(s, "\n");
		char *line = xstrndup(s, len);

		ret = parse_line(rs, line);
		free(line);
		s += len;
		if (*s)
			s++;
	}
	return ret;
}

void reach_ruleset_free(struct reach_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->v[i].chain);
		free(rs->v[i].target);
	}
	for (size_t i = 0; i < rs->n_chains; i++)
		free(rs->chains[i]);
	free(rs->v);
	free(rs->chains);
	free(rs->drop_policy);
	memset(rs, 0, sizeof(*rs));
}

bool reach_has_chain(const struct reach_ruleset *rs, const char *chain)
{
	for (size_t i = 0; i < rs->n_chains; i++)
		if (streq(rs->chains[i], chain))
			return true;
	return false;
}
