/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reach: evaluates parsed rules per equivalence class (source, original
 * destination, in-interface) of a DNAT'd connection; says who gets through. */
#include "reach_rule.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* ---- evaluation of one concrete class ---- */

struct pkt {
	const struct reach_port *p;
	const struct reach_pfx *src; /* the class' prefix */
	const struct reach_pfx *dst; /* original destination class */
	const char *iif;	     /* a representative name */
	struct reach_pfx container;
	uint32_t mark; /* the packet's mark: MARK targets change it */
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
	return !m->set || reach_pfx_contains(&m->p, class) != m->neg;
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
	if (r->mark_set && ((k->mark & r->mark_m) == r->mark_v) == r->mark_neg)
		return false;
	if (undecidable(r, k)) {
		(*k->uncertain)++;
		return false;
	}
	return !r->out.set || if_matches(r->out.name, k->p->out_if) != r->out.neg;
}

/* What one chain did with the packet, for the mark it came in with: a
 * chain is evaluated once per class and entry mark, however many rules
 * jump to it (chains jumping to chains that return would otherwise cost
 * fan-out ^ depth). */
struct memo {
	bool valid;
	uint32_t mark_in, mark_out;
	enum result r;
};

struct walk {
	const struct reach_ruleset *rs;
	struct memo *memo; /* per chain of rs */
	bool cut;	   /* the depth bound was hit: results below not kept */
};

static ssize_t chain_index(const struct reach_ruleset *rs, const char *chain)
{
	for (size_t i = 0; i < rs->n_chains; i++)
		if (streq(rs->chains[i], chain))
			return (ssize_t)i;
	return -1;
}

static enum result eval_chain(struct walk *w, const char *chain, struct pkt *k,
			      unsigned depth);

static enum result eval_rules(struct walk *w, const char *chain, struct pkt *k,
			      unsigned depth)
{
	for (size_t i = 0; i < w->rs->n; i++) {
		const struct reach_rule *r = &w->rs->v[i];
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
		case T_MARK:
			k->mark = (k->mark & ~r->xmark_m) ^ r->xmark_v;
			break;
		case T_JUMP:
		case T_GOTO:
			if (!reach_has_chain(w->rs, r->target))
				break; /* an xt target such as LOG: goes on */
			sub = eval_chain(w, r->target, k, depth + 1);
			if (sub != RES_RETURN || r->kind == T_GOTO)
				return sub;
			break;
		default:
			break;
		}
	}
	return RES_RETURN;
}

static enum result eval_chain(struct walk *w, const char *chain, struct pkt *k,
			      unsigned depth)
{
	ssize_t ci = chain_index(w->rs, chain);
	struct memo *m = ci >= 0 ? &w->memo[ci] : NULL;
	uint32_t mark_in = k->mark;
	bool cut = w->cut;
	enum result r;

	if (depth > REACH_MAX_DEPTH) {
		w->cut = true;
		return RES_RETURN;
	}
	if (m && m->valid && m->mark_in == mark_in) {
		k->mark = m->mark_out;
		return m->r;
	}
	w->cut = false;
	r = eval_rules(w, chain, k, depth);
	if (m && !w->cut)
		*m = (struct memo){true, mark_in, k->mark, r};
	w->cut = w->cut || cut;
	return r;
}

static bool drop_policy(const struct reach_ruleset *rs, const char *chain)
{
	for (size_t i = 0; i < rs->n_chains; i++)
		if (streq(rs->chains[i], chain))
			return rs->drop_policy[i];
	return false;
}

/* Every stage in turn, the packet's mark carried from one to the next (it
 * comes in unmarked); falling off a built-in chain is its policy. */
static bool passes(const struct reach_start *s, struct pkt *k)
{
	k->mark = 0;
	for (; s; s = s->next) {
		struct walk w = {s->rs, NULL, false};
		enum result r = RES_ACCEPT;

		if (s->rs) {
			w.memo = xcalloc(s->rs->n_chains + 1, sizeof(*w.memo));
			r = eval_chain(&w, s->chain, k, 0);
			free(w.memo);
		}
		if (r == RES_RETURN && s->rs && drop_policy(s->rs, s->chain))
			r = RES_DROP;
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
		if (reach_pfx_eq(&s->v[i], p))
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
		if (reach_pfx_eq(&s->v[i], p))
			return true;
		inner =
		    inner || (s->v[i].len > p->len && reach_pfx_contains(p, &s->v[i]));
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
		inner = inner || (j != i && reach_pfx_contains(&s->v[i], &s->v[j]));
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
		if (s->v[j].len < s->v[i].len && reach_pfx_contains(&s->v[j], &s->v[i]) &&
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
		struct reach_pfx h = {.len = (uint8_t)reach_fam_bits(p->family)};

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
		g->empty[s] = class_empty(&g->src, s, reach_fam_bits(p->family));
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

	k.container.len = (uint8_t)reach_fam_bits(p->family);
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

/* ---- the rules that concern one port ---- */

/* Whether r can match a new connection to port p from anyone: the part of
 * rule_matches that does not depend on the class. */
static bool relevant(const struct reach_rule *r, const struct reach_port *p)
{
	struct pkt k = {.p = p};

	if (r->kind == T_NONE || r->rate)
		return false;
	if (r->proto_set && (r->proto == 0 || r->proto == p->proto) == r->proto_neg)
		return false;
	return l4_match(r, &k);
}

/* A chain of stages whose rule sets hold only the rules relevant to one
 * port: the others can neither match nor count as uncertain (rule_matches
 * leaves them before that), and their addresses make no classes. */
struct narrowed {
	struct reach_ruleset *rs;
	struct reach_start *st;
	size_t n;
};

static const struct reach_start *narrow(const struct reach_start *s,
					const struct reach_port *p, struct narrowed *nw)
{
	size_t n = 0;

	for (const struct reach_start *x = s; x; x = x->next)
		n++;
	nw->rs = xcalloc(n + 1, sizeof(*nw->rs));
	nw->st = xcalloc(n + 1, sizeof(*nw->st));
	nw->n = n;
	for (size_t i = 0; i < n; i++, s = s->next) {
		struct reach_ruleset *out = &nw->rs[i];

		nw->st[i] = (struct reach_start){s->rs ? out : NULL, s->chain,
						 i + 1 < n ? &nw->st[i + 1] : NULL};
		if (!s->rs)
			continue;
		*out = *s->rs; /* chains and policies shared; rules filtered */
		out->v = xcalloc(s->rs->n + 1, sizeof(*out->v));
		out->n = 0;
		for (size_t k = 0; k < s->rs->n; k++)
			if (relevant(&s->rs->v[k], p))
				out->v[out->n++] = s->rs->v[k];
	}
	return n ? &nw->st[0] : NULL;
}

static void narrowed_free(struct narrowed *nw)
{
	for (size_t i = 0; i < nw->n; i++)
		if (nw->st[i].rs)
			free(nw->rs[i].v);
	free(nw->rs);
	free(nw->st);
}

static void eval_narrowed(const struct reach_start *live, const struct reach_start *ufw,
			  const struct reach_port *p, const char *const *skip_ifaces,
			  size_t n_skip, struct reach_result *res)
{
	struct grid g;
	size_t nc;
	bool *on, *denied;

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

void reach_eval(const struct reach_start *live, const struct reach_start *ufw,
		const struct reach_port *p, const char *const *skip_ifaces, size_t n_skip,
		struct reach_result *res)
{
	struct narrowed nl, nu;

	memset(res, 0, sizeof(*res));
	if (is_loopback(p)) {
		res->verdict = REACH_LOOPBACK;
		return;
	}
	eval_narrowed(narrow(live, p, &nl), narrow(ufw, p, &nu), p, skip_ifaces, n_skip,
		      res);
	narrowed_free(&nl);
	narrowed_free(&nu);
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
