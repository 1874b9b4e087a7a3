/* SPDX-License-Identifier: GPL-3.0-or-later */
/* backend: picks iptables or nftables (auto: what Docker uses); for the
 * nftables backend, the iptables companion and our tables' live record. */
#include "backend.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "iptables.h"
#include "nft_build.h"
#include "nft_view.h"
#include "xlate.h"

#define AFTER_FORWARD "ufw-after-forward" /* ufw6-after-forward for IPv6 */

/* ufw's chain that jumps to the companion: ufw-, or ufw6- for IPv6. */
static const char *after_forward(enum ufw_family fam)
{
	return fam == UFW_V6 ? "ufw6-after-forward" : AFTER_FORWARD;
}

/* The companion's lines for fam (nftb_iptables_companion() names ufw's
 * IPv4 chain). */
static void companion_lines(enum ufw_family fam, struct strbuf *out)
{
	const char *text = nftb_iptables_companion();
	const char *at = strstr(text, AFTER_FORWARD);

	for (; at; text = at + strlen(AFTER_FORWARD), at = strstr(text, AFTER_FORWARD)) {
		sb_addn(out, text, (size_t)(at - text));
		sb_adds(out, after_forward(fam));
	}
	sb_adds(out, text);
}

/* "-A ufw-after-forward -j ufw-docker-nftmark" with op 'A' or 'D'. */
static char *companion_jump(enum ufw_family fam, char op)
{
	return xasprintf("-%c %s -j " NFTB_COMPANION_CHAIN, op, after_forward(fam));
}

static int docker_bridges(bool *yes, struct diag *d)
{
	struct nft_view v = {0};
	int ret = nft_view_load(&v, nftb_nfproto(UFW_V4), d);

	*yes = ret == 0 && v.has_docker_bridges;
	nft_view_free(&v);
	return ret;
}

int backend_pick(enum ufwd_backend cfg, enum ufwd_backend recorded,
		 enum ufwd_backend *out, struct diag *d)
{
	struct strbuf docker = {0};
	bool nft = false;
	int ret = 0;

	*out = cfg;
	if (cfg != UFWD_BACKEND_AUTO)
		return 0;
	ret = docker_bridges(&nft, d);
	if (ret == 0 && !nft && recorded == UFWD_BACKEND_NFTABLES)
		nft = ipt_list_chain(UFW_V4, IPT_DEFAULT, "DOCKER", &docker, d) == 0;
	*out = nft ? UFWD_BACKEND_NFTABLES : UFWD_BACKEND_IPTABLES;
	sb_free(&docker);
	return ret;
}

enum ufwd_backend backend_of_block(const char *body)
{
	return strstr(body, "\n:" NFTB_COMPANION_CHAIN " ") ? UFWD_BACKEND_NFTABLES
							    : UFWD_BACKEND_IPTABLES;
}

void backend_nft_block(enum ufw_family fam, struct strbuf *out)
{
	sb_adds(out, "*filter\n"
		     "# ufw-docker nftables backend: our rules are in table " NFTB_TABLE
		     "; this lets what they accept through ufw's "
		     "forward chains\n");
	companion_lines(fam, out);
	sb_adds(out, "COMMIT\n");
}

/* Number of lines of listing equal to line. */
static unsigned count_lines(const char *listing, const char *line)
{
	size_t n = strlen(line);
	unsigned c = 0;

	for (const char *p = listing; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		c += !strncmp(p, line, n) && (p[n] == '\n' || !p[n]);
	return c;
}

/* What the kernel holds of the companion and of the iptables backend. */
struct companion_live {
	struct ipt_jump j;
	struct strbuf chains; /* ufw-docker-* chain names, one a line */
	unsigned jumps;	      /* COMPANION_JUMP lines in ufw-after-forward */
	bool chain_ok;	      /* our chain holds exactly the mark rule */
};

static int companion_load(enum ufw_family fam, struct companion_live *cl, struct diag *d)
{
	static const char want[] =
	    "-N " NFTB_COMPANION_CHAIN "\n"
	    "-A " NFTB_COMPANION_CHAIN " -m mark --mark 0x100000/0x100000 -j ACCEPT\n";
	struct strbuf out = {0};
	char *jump = companion_jump(fam, 'A');
	int ret = ipt_jump_state(fam, &cl->j, d);

	if (ret == 0)
		ret = ipt_chains_with_prefix(fam, UFWD_CHAIN_PREFIX, &cl->chains, d);
	if (ret == 0)
		ret = ipt_list_chain(fam, IPT_DEFAULT, after_forward(fam), &out, d);
	cl->jumps = ret > 0 ? count_lines(out.buf, jump) : 0;
	free(jump);
	if (ret >= 0)
		ret = ipt_list_chain(fam, IPT_DEFAULT, NFTB_COMPANION_CHAIN, &out, d);
	cl->chain_ok = ret > 0 && streq(out.buf, want);
	sb_free(&out);
	return ret < 0 ? ret : 0;
}

static bool companion_ok(const struct companion_live *cl)
{
	return cl->j.count == 0 && cl->jumps == 1 && cl->chain_ok &&
	       streq(sb_str(&cl->chains), NFTB_COMPANION_CHAIN "\n");
}

/* The chains of cl but the companion's: flushed, then deleted. */
static void drop_ipt_chains(const struct companion_live *cl, struct strbuf *tx)
{
	struct strbuf names = {0};
	char *line, *save = NULL;

	sb_adds(&names, sb_str(&cl->chains));
	for (line = strtok_r(names.buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (!streq(line, NFTB_COMPANION_CHAIN))
			sb_addf(tx, ":%s - [0:0]\n", line);
	for (const char *p = names.buf; names.len && p < names.buf + names.len;
	     p += strlen(p) + 1)
		if (!streq(p, NFTB_COMPANION_CHAIN))
			sb_addf(tx, "-X %s\n", p);
	sb_free(&names);
}

int backend_companion_tx(enum ufw_family fam, bool want, struct strbuf *tx,
			 struct diag *d)
{
	struct companion_live cl = {0};
	char *unjump = companion_jump(fam, 'D');
	int ret;

	sb_reset(tx);
	ret = want ? companion_load(fam, &cl, d) : ipt_removal_tx(fam, true, tx, d);
	if (ret == 0 && want && !companion_ok(&cl)) {
		sb_adds(tx, "*filter\n");
		ipt_jump_fixup(&cl.j, false, tx);
		for (unsigned i = 0; i < cl.jumps; i++)
			sb_addf(tx, "%s\n", unjump);
		drop_ipt_chains(&cl, tx);
		companion_lines(fam, tx);
		sb_adds(tx, "COMMIT\n");
	}
	free(unjump);
	sb_free(&cl.chains);
	return ret;
}

int backend_companion_removal(enum ufw_family fam, struct strbuf *lines, struct diag *d)
{
	struct strbuf out = {0};
	char *jump = companion_jump(fam, 'A');
	unsigned jumps = 0;
	int ret = ipt_list_chain(fam, IPT_DEFAULT, NFTB_COMPANION_CHAIN, &out, d);

	if (ret > 0)
		ret = ipt_list_chain(fam, IPT_DEFAULT, after_forward(fam), &out, d);
	else if (ret == 0)
		goto out;
	if (ret > 0)
		jumps = count_lines(out.buf, jump);
	jump[1] = 'D';
	for (unsigned i = 0; ret >= 0 && i < jumps; i++)
		sb_addf(lines, "%s\n", jump);
	if (ret >= 0)
		sb_adds(lines, ":" NFTB_COMPANION_CHAIN " - [0:0]\n"
			       "-X " NFTB_COMPANION_CHAIN "\n");
out:
	free(jump);
	sb_free(&out);
	return ret < 0 ? ret : 0;
}

int backend_nft_in_sync(const char *root, const struct nftb_input *in, bool *yes,
			struct diag *d)
{
	struct strbuf text = {0}, then = {0};
	char *sp = path_under_root(root, UFWD_NFT_STATE_PATH);
	int ret = nftb_apply(in, &text, d);
	struct diag quiet;

	*yes = false;
	if (ret == 0 && file_read(sp, &then, true, d) == 0 && streq(text.buf, then.buf)) {
		diag_init(&quiet, NULL);
		*yes = nftb_status(in, &quiet) == 0;
		diag_free(&quiet);
	}
	sb_free(&text);
	sb_free(&then);
	free(sp);
	return ret;
}

static int record(const char *root, const struct nftb_input *in, struct diag *d)
{
	struct strbuf text = {0};
	char *sp = path_under_root(root, UFWD_NFT_STATE_PATH);
	int ret = nftb_apply(in, &text, d);

	if (ret == 0)
		ret = ipt_state_write(sp, &text, d);
	sb_free(&text);
	free(sp);
	return ret;
}

int backend_nft_apply(const char *root, const struct nftb_input *in, struct diag *d)
{
	int ret = nftb_apply(in, NULL, d);

	return ret ? ret : record(root, in, d);
}

int backend_nft_remove(const char *root, struct diag *d)
{
	char *sp = path_under_root(root, UFWD_NFT_STATE_PATH);
	bool yes = false;
	int ret = nftb_present(&yes, d);

	unlink(sp);
	free(sp);
	if (ret == 0 && yes)
		ret = nftb_remove(d);
	return ret ? ret : yes;
}
