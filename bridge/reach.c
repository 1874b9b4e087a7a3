/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reach: parses filter-table rules and evaluates them per equivalence class
 * (source, original destination, in-interface) of a DNAT'd connection. */
#include "reach.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define REACH_MAX_DEPTH 16
#define REACH_MAX_PORTS 16

enum ct_bit {
	CT_NEW = 1,
	CT_ESTABLISHED = 2,
	CT_RELATED = 4,
	CT_INVALID = 8,
	CT_UNTRACKED = 16,
	CT_SNAT = 32,
	CT_DNAT = 64,
};

struct addr_match {
	bool set, neg;
	struct reach_pfx p;
};

struct if_match {
	bool set, neg;
	char name[17];
};

struct port_match {
	bool set, neg;
	unsigned n;
	uint16_t lo[REACH_MAX_PORTS], hi[REACH_MAX_PORTS];
};

enum target_kind {
	T_NONE,
	T_ACCEPT,
	T_DROP,
	T_REJECT,
	T_RETURN,
	T_JUMP,
	T_GOTO,
	T_OTHER
};

struct reach_rule {
	char *chain;
	bool unknown; /* an option we cannot read: never matches */
	bool rate;    /* -m recent --update/--rcheck: assumed under the limit */
	bool proto_set, proto_neg;
	int proto;
	struct addr_match src, dst, origsrc, origdst;
	struct if_match in, out;
	struct port_match dport, sport, origdport, origsport;
	bool state_set, state_neg;
	unsigned state;
	bool ctdir_reply;
	enum target_kind kind;
	char *target;
};

/* ---- addresses ---- */

static unsigned fam_bits(int family)
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
	unsigned bits = fam_bits(family);
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
	if (p->len != fam_bits(family))
		sb_addf(out, "/%u", p->len);
}

/* outer contains inner (equal counts). */
static bool pfx_contains(const struct reach_pfx *outer, const struct reach_pfx *inner)
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

static bool pfx_eq(const struct reach_pfx *a, const struct reach_pfx *b)
{
	return a->len == b->len && pfx_contains(a, b);
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
	    "--tcp-flags", "--set-xmark",
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
		 {"RETURN", T_RETURN}};

	r->target = xstrdup(v);
	r->kind = streq(opt, "-g") ? T_GOTO : T_JUMP;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (streq(v, t[i].name))
			r->kind = t[i].kind;
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
		char *name = xstrndup(line + 1, strcspn(line + 1, " \t"));

		add_chain(rs, name);
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
	memset(rs, 0, sizeof(*rs));
}

bool reach_has_chain(const struct reach_ruleset *rs, const char *chain)
{
	for (size_t i = 0; i < rs->n_chains; i++)
		if (streq(rs->chains[i], chain))
			return true;
	return false;
}

/* ---- evaluation of one concrete class ---- */

struct pkt {
	const struct reach_port *p;
	const struct reach_pfx *src; /* the class' prefix */
	const struct reach_pfx *dst; /* original destination class */
	const char *iif;	     /* a representative name */
	struct reach_pfx container;
	unsigned *uncertain;
};

enum result { RES_RETURN, RES_ACCEPT, RES_DROP, RES_REJECT };

static bool if_matches(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	if (n && pattern[n - 1] == '+')
		return strncmp(pattern, name, n - 1) == 0;
	return streq(pattern, name);
}

static bool ports_match(const struct port_match *m, uint16_t port)
{
	bool in = false;

	for (unsigned i = 0; i < m->n; i++)
		in = in || (port >= m->lo[i] && port <= m->hi[i]);
	return in != m->neg;
}

static bool addr_ok(const struct addr_match *m, const struct reach_pfx *class)
{
	return !m->set || pfx_contains(&m->p, class) != m->neg;
}

static bool l3_match(const struct reach_rule *r, const struct pkt *k)
{
	if (r->proto_set && (r->proto == 0 || r->proto == k->p->proto) == r->proto_neg)
		return false;
	if (!addr_ok(&r->src, k->src) || !addr_ok(&r->origsrc, k->src))
		return false;
	if (!addr_ok(&r->origdst, k->dst) || !addr_ok(&r->dst, &k->container))
		return false;
	if (r->in.set && if_matches(r->in.name, k->iif) == r->in.neg)
		return false;
	return true;
}

static bool l4_match(const struct reach_rule *r, const struct pkt *k)
{
	if (r->dport.set && !ports_match(&r->dport, k->p->container_port))
		return false;
	if (r->origdport.set && !ports_match(&r->origdport, k->p->host_port))
		return false;
	if (r->state_set && ((r->state & (CT_NEW | CT_DNAT)) != 0) == r->state_neg)
		return false;
	return !r->ctdir_reply;
}

/* Matches we cannot decide: the rule is taken as not matching. */
static bool undecidable(const struct reach_rule *r, const struct pkt *k)
{
	if (r->unknown || r->sport.set || r->origsport.set)
		return true;
	return r->out.set && !k->p->out_if[0];
}

static bool rule_matches(const struct reach_rule *r, const struct pkt *k)
{
	if (!l3_match(r, k) || !l4_match(r, k) || r->rate)
		return false;
	if (undecidable(r, k)) {
		(*k->uncertain)++;
		return false;
	}
	return !r->out.set || if_matches(r->out.name, k->p->out_if) != r->out.neg;
}

static enum result eval_chain(const struct reach_ruleset *rs, const char *chain,
			      const struct pkt *k, unsigned depth)
{
	if (depth > REACH_MAX_DEPTH)
		return RES_RETURN;
	for (size_t i = 0; i < rs->n; i++) {
		const struct reach_rule *r = &rs->v[i];
		enum result sub;

		if (!streq(r->chain, chain) || r->kind == T_NONE || !rule_matches(r, k))
			continue;
		switch (r->kind) {
		case T_ACCEPT:
			return RES_ACCEPT;
		case T_DROP:
			return RES_DROP;
		case T_REJECT:
			return RES_REJECT;
		case T_RETURN:
			return RES_RETURN;
		case T_JUMP:
		case T_GOTO:
			if (!reach_has_chain(rs, r->target))
				break; /* an xt target such as LOG: goes on */
			sub = eval_chain(rs, r->target, k, depth + 1);
			if (sub != RES_RETURN || r->kind == T_GOTO)
				return sub;
			break;
		default:
			break;
		}
	}
	return RES_RETURN;
}

static bool passes(const struct reach_start *s, const struct pkt *k)
{
	for (; s; s = s->next) {
		enum result r = s->rs ? eval_chain(s->rs, s->chain, k, 0) : RES_ACCEPT;

		if (r != RES_ACCEPT && r != RES_RETURN)
			return false;
	}
	return true;
}

/* ---- classes ---- */

struct pfx_set {
	struct reach_pfx *v;
	size_t n;
};

static void pfx_add(struct pfx_set *s, const struct reach_pfx *p)
{
	for (size_t i = 0; i < s->n; i++)
		if (pfx_eq(&s->v[i], p))
			return;
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = *p;
}

static int pfx_cmp(const void *a, const void *b)
{
	const struct reach_pfx *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->a, y->a, sizeof(x->a));
}

struct names {
	char **v;
	size_t n;
};

static void name_add(struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->v[i], name))
			return;
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = xstrdup(name);
}

static void names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static void collect(const struct reach_ruleset *rs, struct pfx_set *src,
		    struct pfx_set *dst, struct names *ifs)
{
	for (size_t i = 0; rs && i < rs->n; i++) {
		const struct reach_rule *r = &rs->v[i];

		if (r->src.set)
			pfx_add(src, &r->src.p);
		if (r->origsrc.set)
			pfx_add(src, &r->origsrc.p);
		if (r->origdst.set)
			pfx_add(dst, &r->origdst.p);
		if (r->in.set)
			name_add(ifs, r->in.name);
	}
}

/* A representative interface name for pattern: "br-+" stands for any other
 * "br-..." name; "\1" for names no pattern mentions. */
static char *if_rep(const char *pattern)
{
	size_t n = strlen(pattern);

	if (n && pattern[n - 1] == '+')
		return xasprintf("%.*s\x01", (int)(n - 1), pattern);
	return xstrdup(pattern);
}

static bool skipped(const char *rep, const char *const *skip, size_t n_skip)
{
	for (size_t i = 0; i < n_skip; i++)
		if (if_matches(skip[i], rep))
			return true;
	return false;
}

/* The interface classes: one per mentioned pattern, one for the rest. */
static void if_classes(const struct names *pats, const char *const *skip, size_t n_skip,
		       struct names *reps, struct names *labels)
{
	for (size_t i = 0; i <= pats->n; i++) {
		const char *pat = i < pats->n ? pats->v[i] : "+";
		char *rep = if_rep(pat);
		size_t before = reps->n;

		if (!skipped(rep, skip, n_skip))
			name_add(reps, rep);
		if (reps->n != before)
			name_add(labels, i < pats->n ? pat : "");
		free(rep);
	}
}

/* Is p wholly covered by members of s strictly inside parent? */
static bool covered(const struct pfx_set *s, const struct reach_pfx *p, unsigned bits)
{
	bool inner = false;
	struct reach_pfx half = *p;

	for (size_t i = 0; i < s->n; i++) {
		if (pfx_eq(&s->v[i], p))
			return true;
		inner = inner || (s->v[i].len > p->len && pfx_contains(p, &s->v[i]));
	}
	if (!inner || p->len >= bits)
		return false;
	half.len++;
	if (!covered(s, &half, bits))
		return false;
	half.a[p->len / 8] |= (uint8_t)(0x80 >> (p->len % 8));
	return covered(s, &half, bits);
}

/* Class i (prefix minus the longer prefixes inside it) holds no address. */
static bool class_empty(const struct pfx_set *s, size_t i, unsigned bits)
{
	struct reach_pfx half = s->v[i];
	bool inner = false;

	for (size_t j = 0; j < s->n; j++)
		inner = inner || (j != i && pfx_contains(&s->v[i], &s->v[j]));
	if (!inner || half.len >= bits)
		return false;
	half.len++;
	if (!covered(s, &half, bits))
		return false;
	half.a[s->v[i].len / 8] |= (uint8_t)(0x80 >> (s->v[i].len % 8));
	return covered(s, &half, bits);
}

static ssize_t parent_of(const struct pfx_set *s, size_t i)
{
	ssize_t best = -1;

	for (size_t j = 0; j < s->n; j++)
		if (s->v[j].len < s->v[i].len && pfx_contains(&s->v[j], &s->v[i]) &&
		    (best < 0 || s->v[j].len > s->v[best].len))
			best = (ssize_t)j;
	return best;
}

/* ---- grid of classes and its description in ufw's words ---- */

struct grid {
	int family;
	struct pfx_set src, dst;
	ssize_t *parent; /* per source class */
	bool *empty;	 /* per source class */
	struct names ifs, labels;
	size_t ns, nd, ni;
};

static size_t cell(const struct grid *g, size_t s, size_t d, size_t i)
{
	return (s * g->nd + d) * g->ni + i;
}

static void grid_init(struct grid *g, const struct reach_start *live,
		      const struct reach_start *ufw, const struct reach_port *p,
		      const char *const *skip, size_t n_skip)
{
	struct reach_pfx any = {.len = 0};
	struct names pats = {0};

	memset(g, 0, sizeof(*g));
	g->family = p->family;
	pfx_add(&g->src, &any);
	for (const struct reach_start *st = live; st; st = st->next)
		collect(st->rs, &g->src, &g->dst, &pats);
	for (const struct reach_start *st = ufw; st; st = st->next)
		collect(st->rs, &g->src, &g->dst, &pats);
	if (p->has_host_addr) {
		struct reach_pfx h = {.len = (uint8_t)fam_bits(p->family)};

		memcpy(h.a, &p->host, sizeof(h.a));
		free(g->dst.v);
		g->dst.v = NULL;
		g->dst.n = 0;
		pfx_add(&g->dst, &h);
	} else {
		pfx_add(&g->dst, &any);
	}
	qsort(g->src.v, g->src.n, sizeof(*g->src.v), pfx_cmp);
	qsort(g->dst.v, g->dst.n, sizeof(*g->dst.v), pfx_cmp);
	if_classes(&pats, skip, n_skip, &g->ifs, &g->labels);
	names_free(&pats);
	g->ns = g->src.n;
	g->nd = g->dst.n;
	g->ni = g->ifs.n;
	g->parent = xcalloc(g->ns, sizeof(*g->parent));
	g->empty = xcalloc(g->ns, sizeof(*g->empty));
	for (size_t s = 0; s < g->ns; s++) {
		g->parent[s] = parent_of(&g->src, s);
		g->empty[s] = class_empty(&g->src, s, fam_bits(p->family));
	}
}

static void grid_free(struct grid *g)
{
	free(g->src.v);
	free(g->dst.v);
	free(g->parent);
	free(g->empty);
	names_free(&g->ifs);
	names_free(&g->labels);
}

static void pfx_name(const struct grid *g, const struct reach_pfx *p, const char *any,
		     struct strbuf *out)
{
	if (p->len == 0)
		sb_adds(out, any);
	else
		reach_pfx_format(p, g->family, out);
}

/* A source class with all its sub-classes on (empty classes count as on). */
static bool full(const struct grid *g, const bool *on, size_t s)
{
	if (!on[s] && !g->empty[s])
		return false;
	for (size_t c = 0; c < g->ns; c++)
		if (g->parent[c] == (ssize_t)s && !full(g, on, c))
			return false;
	return true;
}

static void desc_src(const struct grid *g, const bool *on, size_t s, struct strbuf *out)
{
	bool own = on[s] && !g->empty[s];
	const char *sep = " except ";

	if (full(g, on, s)) {
		pfx_name(g, &g->src.v[s], "Anywhere", out);
		sb_addc(out, '\n');
		return;
	}
	if (own) {
		pfx_name(g, &g->src.v[s], "Anywhere", out);
		for (size_t c = 0; c < g->ns; c++) {
			if (g->parent[c] != (ssize_t)s || full(g, on, c))
				continue;
			sb_adds(out, sep);
			pfx_name(g, &g->src.v[c], "Anywhere", out);
			sep = ", ";
		}
		sb_addc(out, '\n');
	}
	for (size_t c = 0; c < g->ns; c++)
		if (g->parent[c] == (ssize_t)s && !(own && full(g, on, c)))
			desc_src(g, on, c, out);
}

/* The sources (one per line) on for destination class d, interface i. */
static char *desc_cell(const struct grid *g, const bool *on, size_t d, size_t i)
{
	struct strbuf out = {0};
	bool *col = xcalloc(g->ns, sizeof(*col));

	for (size_t s = 0; s < g->ns; s++)
		col[s] = on[cell(g, s, d, i)];
	desc_src(g, col, 0, &out); /* class 0 is the whole space */
	free(col);
	return sb_detach(&out);
}

static void push_lines(char ***v, size_t *n, const char *lines, const char *suffix)
{
	const char *s = lines;

	while (*s) {
		size_t len = strcspn(s, "\n");

		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = xasprintf("%.*s%s", (int)len, s, suffix);
		s += len + (s[len] == '\n');
	}
}

static bool all_same(char **descs, size_t n)
{
	for (size_t k = 1; k < n; k++)
		if (!streq(descs[k], descs[0]))
			return false;
	return true;
}

static char *suffix_for(const struct grid *g, ssize_t d, size_t i)
{
	struct strbuf out = {0};

	if (d >= 0) {
		sb_adds(&out, " to ");
		pfx_name(g, &g->dst.v[d], "any other address", &out);
	}
	if (g->ni > 1) {
		const char *l = g->labels.v[i];

		sb_addf(&out, " on %s", *l ? l : "other interfaces");
	}
	return sb_detach(&out);
}

/* One interface class: the same list for every destination, or one per. */
static void describe_if(const struct grid *g, char **descs, size_t i, char ***v,
			size_t *n)
{
	char **row = &descs[i * g->nd];
	bool same = all_same(row, g->nd);

	for (size_t d = 0; d < (same ? 1 : g->nd); d++) {
		char *suf = suffix_for(g, same ? -1 : (ssize_t)d, i);

		push_lines(v, n, row[d], suf);
		free(suf);
	}
}

static void describe(const struct grid *g, const bool *on, char ***v, size_t *n)
{
	size_t nc = g->nd * g->ni;
	char **descs = xcalloc(nc ? nc : 1, sizeof(*descs));

	for (size_t i = 0; i < g->ni; i++)
		for (size_t d = 0; d < g->nd; d++)
			descs[i * g->nd + d] = desc_cell(g, on, d, i);
	if (nc && all_same(descs, nc))
		push_lines(v, n, descs[0], "");
	else
		for (size_t i = 0; i < g->ni; i++)
			describe_if(g, descs, i, v, n);
	for (size_t k = 0; k < nc; k++)
		free(descs[k]);
	free(descs);
}

static bool is_loopback(const struct reach_port *p)
{
	static const uint8_t v6lo[16] = {[15] = 1};
	const uint8_t *a = (const uint8_t *)&p->host;

	if (!p->has_host_addr)
		return false;
	return p->family == 6 ? memcmp(a, v6lo, 16) == 0 : a[0] == 127;
}

static void fill(const struct grid *g, const struct reach_start *live,
		 const struct reach_start *ufw, const struct reach_port *p, bool *on,
		 bool *denied, unsigned *uncertain)
{
	unsigned ignored = 0;
	struct pkt k = {.p = p, .uncertain = uncertain};

	k.container.len = (uint8_t)fam_bits(p->family);
	memcpy(k.container.a, &p->container, sizeof(k.container.a));
	for (size_t s = 0; s < g->ns; s++)
		for (size_t d = 0; d < g->nd; d++)
			for (size_t i = 0; i < g->ni; i++) {
				size_t c = cell(g, s, d, i);

				k.src = &g->src.v[s];
				k.dst = &g->dst.v[d];
				k.iif = g->ifs.v[i];
				k.uncertain = uncertain;
				on[c] = !g->empty[s] && passes(live, &k);
				k.uncertain = &ignored;
				denied[c] = on[c] && !passes(ufw, &k);
			}
}

static enum reach_verdict verdict_of(const struct grid *g, const bool *on)
{
	size_t total = 0, open = 0;

	for (size_t s = 0; s < g->ns; s++)
		for (size_t c = cell(g, s, 0, 0); c < cell(g, s + 1, 0, 0); c++) {
			total += !g->empty[s];
			open += on[c];
		}
	if (open == 0)
		return REACH_FILTERED;
	return open == total ? REACH_OPEN : REACH_RESTRICTED;
}

void reach_eval(const struct reach_start *live, const struct reach_start *ufw,
		const struct reach_port *p, const char *const *skip_ifaces, size_t n_skip,
		struct reach_result *res)
{
	struct grid g;
	size_t nc;
	bool *on, *denied;

	memset(res, 0, sizeof(*res));
	if (is_loopback(p)) {
		res->verdict = REACH_LOOPBACK;
		return;
	}
	grid_init(&g, live, ufw, p, skip_ifaces, n_skip);
	nc = g.ns * g.nd * g.ni;
	on = xcalloc(nc ? nc : 1, sizeof(*on));
	denied = xcalloc(nc ? nc : 1, sizeof(*denied));
	fill(&g, live, ufw, p, on, denied, &res->uncertain);
	res->verdict = verdict_of(&g, on);
	if (res->verdict == REACH_RESTRICTED)
		describe(&g, on, &res->sources, &res->n_sources);
	describe(&g, denied, &res->denied, &res->n_denied);
	free(on);
	free(denied);
	grid_free(&g);
}

void reach_result_free(struct reach_result *res)
{
	for (size_t i = 0; i < res->n_sources; i++)
		free(res->sources[i]);
	for (size_t i = 0; i < res->n_denied; i++)
		free(res->denied[i]);
	free(res->sources);
	free(res->denied);
	memset(res, 0, sizeof(*res));
}

const char *reach_verdict_name(enum reach_verdict v)
{
	static const char *const names[] = {"open", "restricted", "filtered", "loopback"};

	return v < ARRAY_SIZE(names) ? names[v] : "?";
}
