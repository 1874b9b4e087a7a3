/* SPDX-License-Identifier: GPL-3.0-or-later */
/* live_nft: nftb_read, nft_decode's iptables-save lines, reach_parse; the
 * forward-hook base chains become stages ordered by priority. */
#include "live_nft.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>

#include "nft_backend.h"
#include "nft_build.h"
#include "nft_decode.h"
#include "util.h"

/* The forward-hook base chains of t, by priority (then name). */
static void add_stages(struct live_nft *ln, const struct nftd_table *t)
{
	const struct nftd_chain **v = xcalloc(t->n_chains + 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < t->n_chains; i++) {
		const struct nftd_chain *c = &t->chains[i];
		size_t k = n++;

		if (!c->base || c->hook != NF_INET_FORWARD) {
			n--;
			continue;
		}
		for (; k > 0 && (v[k - 1]->prio > c->prio ||
				 (v[k - 1]->prio == c->prio &&
				  strcmp(v[k - 1]->name, c->name) > 0));
		     k--)
			v[k] = v[k - 1];
		v[k] = c;
	}
	ln->stages = xcalloc(n + 1, sizeof(*ln->stages));
	ln->chains = xcalloc(n + 1, sizeof(*ln->chains));
	for (size_t i = 0; i < n; i++) {
		ln->chains[i] = xstrdup(v[i]->name);
		ln->stages[i] = (struct reach_start){
		    &ln->rs, ln->chains[i], i + 1 < n ? &ln->stages[i + 1] : NULL};
	}
	ln->n = n;
	free(v);
}

int live_nft_load(struct live_nft *ln, int family, struct diag *d)
{
	struct nftd_table t;
	struct strbuf text = {0};
	int ret = nftb_read(family == 6 ? UFW_V6 : UFW_V4, &t, d);

	memset(ln, 0, sizeof(*ln));
	if (ret == 0) {
		ln->present = true;
		ln->undecoded = t.undecoded;
		nftd_reach_text(&t, &text);
		ret = reach_parse(&ln->rs, family, sb_str(&text));
		if (ret)
			diag_err(d, NULL, 0,
				 "table %s " NFTB_TABLE ": cannot read its rules",
				 family == 6 ? "ip6" : "ip");
	}
	if (ret == 0)
		add_stages(ln, &t);
	nftd_free(&t);
	sb_free(&text);
	return ret == -ENOENT ? 0 : ret;
}

void live_nft_free(struct live_nft *ln)
{
	for (size_t i = 0; i < ln->n; i++)
		free(ln->chains[i]);
	free(ln->chains);
	free(ln->stages);
	reach_ruleset_free(&ln->rs);
	memset(ln, 0, sizeof(*ln));
}

const struct reach_start *live_nft_stages(struct live_nft *ln,
					  const struct reach_start *then)
{
	if (!ln->n)
		return then;
	ln->stages[ln->n - 1].next = then;
	return &ln->stages[0];
}
