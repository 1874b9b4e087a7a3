/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nft_group: packs one chain's elements into sets, each looked up by one run
 * of rules, so that ufw's first match still decides; pure, no I/O. */
#include "nft_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Grouping of one chain's elements (each a box of one ufw rule, in ufw's
 * order) into groups, each one set looked up by one run of rules, the groups
 * in the order they were opened. An element joins the earliest group of its
 * shape that (1) comes after every group holding an element that conflicts
 * with it: one a packet can match together with it (interfaces and boxes
 * meeting) that does something else with the packet (verdict, log, reset),
 * and (2) holds no element meeting it (the kernel refuses overlapping
 * elements in one set). Otherwise it opens a new group, last. An element
 * that an earlier one covers (box and interfaces) is never the first match
 * and is left out.
 *
 * Why first match is kept: take elements x before y in ufw's order that
 * conflict. When y is placed, x is already in a group; (1) puts y's group
 * after x's (a group opened for y is last). Groups never move. So for every
 * packet, the first group that matches holds either an element of the first
 * ufw rule that matches or one that does the same with the packet.
 *
 * The candidates for "meets" come from an index on the port field: elements
 * of narrow port ranges in buckets of PORT_BUCKET ports, the others (wide)
 * in a list every query reads.
 */
#define PORT_BUCKET_BITS 6
#define PORT_BUCKETS	 (65536 >> PORT_BUCKET_BITS)
#define WIDE_BUCKETS	 16 /* a range over more buckets is wide */

struct ref {
	uint32_t group, elem;
};

struct refs {
	struct ref *v;
	size_t n, cap;
};

struct shape_groups {
	struct nftb_shape sh;
	size_t *g; /* its groups, ascending */
	size_t n, cap;
};

struct group {
	size_t shape;	/* in shapes */
	size_t set;	/* in t->sets */
	uint32_t stamp; /* query that found it holding a meeting element */
};

struct nftb_grouping {
	struct nftb_table *t; /* where the groups' sets go */
	struct shape_groups *shapes;
	size_t n_shapes;
	struct group *groups;
	size_t n_groups, cap_groups;
	struct refs bucket[PORT_BUCKETS], wide;
	uint32_t query;
};

/* memcmp's sign for big-endian fields of a few bytes, without a call. */
static int be_cmp(const uint8_t *a, const uint8_t *c, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		if (a[i] != c[i])
			return a[i] < c[i] ? -1 : 1;
	return 0;
}

/* Whether a packet can match both boxes: the port fields first, they part
 * most boxes. */
static bool boxes_meet(const struct nftb_elem *a, const struct nftb_elem *c,
		       enum ufw_family fam)
{
	static const enum nftb_field order[] = {
	    NFTB_F_ODPORT, NFTB_F_DPORT,  NFTB_F_L4PROTO, NFTB_F_SADDR,
	    NFTB_F_SPORT,  NFTB_F_ODADDR, NFTB_F_DADDR,
	};

	for (unsigned i = 0; i < ARRAY_SIZE(order); i++) {
		enum nftb_field f = order[i];
		unsigned len = nftb_field_len(f, fam);

		if (be_cmp(a->f[f].lo, c->f[f].hi, len) > 0 ||
		    be_cmp(c->f[f].lo, a->f[f].hi, len) > 0)
			return false;
	}
	return true;
}

static void set_push(struct nftb_set *s, const struct nftb_elem *e)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = *e;
}

static void refs_push(struct refs *l, struct ref r)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = r;
}

static bool shape_eq(const struct nftb_shape *a, const struct nftb_shape *c)
{
	return a->chain == c->chain && a->action == c->action && a->log == c->log &&
	       streq(a->iif, c->iif) && streq(a->oif, c->oif) && a->reset == c->reset;
}

static size_t shape_intern(struct nftb_grouping *g, const struct nftb_shape *sh)
{
	for (size_t i = 0; i < g->n_shapes; i++)
		if (shape_eq(&g->shapes[i].sh, sh))
			return i;
	g->shapes = xrealloc(g->shapes, (g->n_shapes + 1) * sizeof(*g->shapes));
	memset(&g->shapes[g->n_shapes], 0, sizeof(*g->shapes));
	g->shapes[g->n_shapes].sh = *sh;
	return g->n_shapes++;
}

/* Whether one interface name can match both patterns ("" any, "x+" prefix). */
static bool iface_meets(const char *x, const char *y)
{
	size_t nx = strlen(x), ny = strlen(y);
	bool wx = nx && x[nx - 1] == '+', wy = ny && y[ny - 1] == '+';

	if (!nx || !ny)
		return true;
	nx -= wx;
	ny -= wy;
	if (wx && wy)
		return memcmp(x, y, nx < ny ? nx : ny) == 0;
	if (wx)
		return ny >= nx && memcmp(x, y, nx) == 0;
	if (wy)
		return nx >= ny && memcmp(x, y, ny) == 0;
	return nx == ny && memcmp(x, y, nx) == 0;
}

/* Whether the order of two meeting elements of shapes a and c matters: a
 * packet can come through interfaces both accept and they do different
 * things with it (verdict, log, reset). Only the interfaces differing, either
 * order gives the packet the same. */
static bool shapes_conflict(const struct nftb_shape *a, const struct nftb_shape *c)
{
	if (a->action == c->action && a->log == c->log && a->reset == c->reset)
		return false;
	return iface_meets(a->iif, c->iif) && iface_meets(a->oif, c->oif);
}

static enum nftb_field port_field(enum nftb_chain c)
{
	return c == NFTB_C_FORWARD ? NFTB_F_DPORT : NFTB_F_ODPORT;
}

/* The buckets of e's port range, or false when it is wide. */
static bool port_buckets(const struct nftb_elem *e, enum nftb_field f, unsigned *lo,
			 unsigned *hi)
{
	unsigned a = (unsigned)e->f[f].lo[0] << 8 | e->f[f].lo[1];
	unsigned z = (unsigned)e->f[f].hi[0] << 8 | e->f[f].hi[1];

	*lo = a >> PORT_BUCKET_BITS;
	*hi = z >> PORT_BUCKET_BITS;
	return *hi - *lo < WIDE_BUCKETS;
}

/* Whether every packet in box c is in box a. */
static bool box_covers(const struct nftb_elem *a, const struct nftb_elem *c,
		       enum ufw_family fam)
{
	for (unsigned f = 0; f < NFTB_F_COUNT; f++) {
		unsigned len = nftb_field_len(f, fam);

		if (be_cmp(a->f[f].lo, c->f[f].lo, len) > 0 ||
		    be_cmp(a->f[f].hi, c->f[f].hi, len) < 0)
			return false;
	}
	return true;
}

/* Whether every name pattern y matches, pattern x matches too. */
static bool iface_covers(const char *x, const char *y)
{
	size_t nx = strlen(x), ny = strlen(y);

	if (!nx)
		return true;
	if (!ny)
		return false;
	if (x[nx - 1] != '+')
		return streq(x, y);
	ny -= y[ny - 1] == '+';
	return ny >= nx - 1 && memcmp(x, y, nx - 1) == 0;
}

/* An earlier element of shape a covering box e of shape c decides every
 * packet e could: e can never be the first match. */
static bool shadows(const struct nftb_shape *a, const struct nftb_shape *c)
{
	return iface_covers(a->iif, c->iif) && iface_covers(a->oif, c->oif);
}

/* What placing e of shape sid meets in the element at r: raises *first (the
 * first group e may join), stamps a group of e's shape it cannot join, or
 * sets *dead when the element covers e. */
static void meet_one(struct nftb_grouping *g, const struct nftb_elem *e, size_t sid,
		     struct ref r, size_t *first, bool *dead)
{
	struct group *gp = &g->groups[r.group];
	const struct nftb_elem *o = &g->t->sets[gp->set].v[r.elem];

	if (*dead || r.group < *first || (gp->stamp == g->query && gp->shape == sid))
		return; /* dead, behind the barrier, or already stamped */
	if (!boxes_meet(o, e, g->t->fam))
		return;
	if (box_covers(o, e, g->t->fam) &&
	    shadows(&g->shapes[gp->shape].sh, &g->shapes[sid].sh))
		*dead = true;
	if (gp->shape == sid)
		gp->stamp = g->query;
	else if (shapes_conflict(&g->shapes[gp->shape].sh, &g->shapes[sid].sh))
		*first = r.group + 1;
}

/* Latest first: the barrier rises early and the rest is skipped cheaply. */
static void meet_list(struct nftb_grouping *g, const struct nftb_elem *e, size_t sid,
		      const struct refs *l, size_t *first, bool *dead)
{
	for (size_t i = l->n; i > 0 && !*dead; i--)
		meet_one(g, e, sid, l->v[i - 1], first, dead);
}

/* The first group e may join (n_groups: none), stamping those it meets;
 * *dead when an earlier element covers it. */
static size_t elem_barrier(struct nftb_grouping *g, const struct nftb_elem *e, size_t sid,
			   enum nftb_field pf, bool *dead)
{
	size_t first = 0;
	unsigned lo, hi;

	if (!port_buckets(e, pf, &lo, &hi)) {
		/* Every group, latest first, down to the barrier. */
		for (size_t i = g->n_groups; i > first && !*dead; i--)
			for (size_t k = 0; k < g->t->sets[g->groups[i - 1].set].n; k++)
				meet_one(g, e, sid,
					 (struct ref){(uint32_t)(i - 1), (uint32_t)k},
					 &first, dead);
		return first;
	}
	for (unsigned k = lo; k <= hi; k++)
		meet_list(g, e, sid, &g->bucket[k], &first, dead);
	meet_list(g, e, sid, &g->wide, &first, dead);
	return first;
}

/* A new group of shape sid, last, and its set, named for the chain and the
 * group's place in it ("route_1", "input_3"). */
static size_t group_open(struct nftb_grouping *g, const struct nftb_shape *sh, size_t sid)
{
	struct nftb_table *t = g->t;
	struct shape_groups *sg = &g->shapes[sid];
	struct nftb_set *s;

	if (t->n_sets == t->cap_sets) {
		t->cap_sets = t->cap_sets ? 2 * t->cap_sets : 8;
		t->sets = xrealloc(t->sets, t->cap_sets * sizeof(*t->sets));
	}
	s = &t->sets[t->n_sets];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s_%u",
		 sh->chain == NFTB_C_FORWARD ? "route" : "input",
		 (unsigned)g->n_groups + 1);
	if (g->n_groups == g->cap_groups) {
		g->cap_groups = g->cap_groups ? 2 * g->cap_groups : 8;
		g->groups = xrealloc(g->groups, g->cap_groups * sizeof(*g->groups));
	}
	g->groups[g->n_groups] = (struct group){sid, t->n_sets++, 0};
	if (sg->n == sg->cap) {
		sg->cap = sg->cap ? 2 * sg->cap : 8;
		sg->g = xrealloc(sg->g, sg->cap * sizeof(*sg->g));
	}
	sg->g[sg->n++] = g->n_groups;
	return g->n_groups++;
}

/* The earliest group of shape sid from first on that e meets nowhere. */
static size_t group_pick(const struct nftb_grouping *g, size_t sid, size_t first)
{
	const struct shape_groups *sg = &g->shapes[sid];
	size_t lo = 0, hi = sg->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sg->g[mid] < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < sg->n; lo++)
		if (g->groups[sg->g[lo]].stamp != g->query)
			return sg->g[lo];
	return g->n_groups;
}

void nftb_grouping_add(struct nftb_grouping *g, const struct nftb_shape *sh,
		       const struct nftb_elem *e)
{
	enum nftb_field pf = port_field(sh->chain);
	size_t sid = shape_intern(g, sh), gi;
	struct nftb_set *s;
	struct ref r;
	unsigned lo, hi;
	bool dead = false;

	g->query++;
	gi = group_pick(g, sid, elem_barrier(g, e, sid, pf, &dead));
	if (dead)
		return; /* never the first match: left out */
	if (gi == g->n_groups)
		gi = group_open(g, sh, sid);
	s = &g->t->sets[g->groups[gi].set];
	r = (struct ref){(uint32_t)gi, (uint32_t)s->n};
	set_push(s, e);
	if (!port_buckets(e, pf, &lo, &hi)) {
		refs_push(&g->wide, r);
		return;
	}
	for (unsigned k = lo; k <= hi; k++)
		refs_push(&g->bucket[k], r);
}

struct nftb_grouping *nftb_grouping_new(struct nftb_table *t)
{
	struct nftb_grouping *g = xcalloc(1, sizeof(*g));

	g->t = t;
	return g;
}

void nftb_grouping_end(struct nftb_grouping *g,
		       void (*emit)(void *arg, const struct nftb_shape *sh, size_t set),
		       void *arg)
{
	for (size_t i = 0; i < g->n_groups; i++)
		emit(arg, &g->shapes[g->groups[i].shape].sh, g->groups[i].set);
	for (size_t i = 0; i < g->n_shapes; i++)
		free(g->shapes[i].g);
	for (size_t i = 0; i < PORT_BUCKETS; i++)
		free(g->bucket[i].v);
	free(g->wide.v);
	free(g->shapes);
	free(g->groups);
	free(g);
}
