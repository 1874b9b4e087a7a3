/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_sync: `ufw-docker sync`: picks the backend, computes our blocks, the
 * after.init snippet and the live changes first, then writes and applies. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "block.h"
#include "cmd_common.h"
#include "cmds.h"
#include "config.h"
#include "fileio.h"
#include "iptables.h"
#include "nft_backend.h"
#include "nft_build.h"
#include "ufw_conf.h"
#include "ufw_rules.h"
#include "xlate.h"

#ifndef UFWD_LIBEXECDIR
#define UFWD_LIBEXECDIR "/usr/local/lib/ufw-docker"
#endif

enum { F_AFTER, F_AFTER6, F_INIT, N_FILES };

/* What sync will do to one family's live rules. */
struct fam_live {
	enum ufw_family fam;
	struct strbuf block; /* our xlate text, when the family is applied */
	struct strbuf tx;    /* iptables-restore input; empty: nothing to do */
	bool record;	     /* write the live state after applying tx */
};

struct sync_ctx {
	const struct cli_opts *o;
	struct diag d;
	struct ufw_state st;
	struct ufwd_config cfg;
	struct ufw_ruleset rs;
	bool v6;	      /* ufw's IPv6 on and ours not "no" */
	enum ufwd_backend be; /* iptables or nftables, never auto */
	struct file_change files[N_FILES];
	struct fam_live live[2];
	bool nft_apply;		/* replace our nf_tables tables */
	bool nft_remove;	/* delete them */
	struct strbuf nft_text; /* what nft_apply installs (dry run) */
};

static int load_inputs(struct sync_ctx *c)
{
	char *conf = c->o->config_path ? xstrdup(c->o->config_path)
				       : path_under_root(c->o->root, UFWD_CONFIG_PATH);
	int ret = ufw_state_load(&c->st, c->o->root, &c->d);

	ufwd_config_defaults(&c->cfg);
	if (ret == 0)
		ret = ufwd_config_load(&c->cfg, conf, &c->d);
	free(conf);
	c->v6 = c->st.ipv6 && ufw_kernel_has_ipv6() && c->cfg.ipv6 != UFWD_NO;
	if (ret == 0)
		ret = ufw_rules_load(c->o->root, c->v6, &c->rs, &c->d);
	return ret;
}

/* Plans after.rules (v4) or after6.rules (v6): our block, or none. */
static int plan_rules_file(struct sync_ctx *c, struct fam_live *l, struct file_change *f,
			   const char *abs)
{
	char *path = path_under_root(c->o->root, abs);
	bool want = l->fam == UFW_V4 || c->v6;
	char *removed = NULL;
	int ret = file_change_load(f, path, &c->d);

	free(path);
	if (ret == 0 && want && !f->existed) {
		diag_err(&c->d, f->path, 0, "missing (ufw's file; is ufw installed?)");
		return -ENOENT;
	}
	if (ret == 0 && want && c->be == UFWD_BACKEND_NFTABLES)
		backend_nft_block(l->fam, &l->block);
	else if (ret == 0 && want)
		ret = xlate_block(&c->rs, l->fam, &c->st, &c->cfg, &l->block, &c->d);
	if (ret == 0 && want)
		ret = block_set(sb_str(&f->old), f->old.len, &block_kind_rules, abs, "",
				sb_str(&l->block), &f->new, &c->d);
	else if (ret == 0)
		ret = block_remove(sb_str(&f->old), f->old.len, &block_kind_rules, abs,
				   &f->new, &removed, &c->d);
	free(removed);
	return ret;
}

/* Our hook script: beside the binary in a development tree, else installed. */
static char *hook_path(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash, *p;
	struct stat st;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			p = xasprintf("%s/hooks/after-init-hook", exe);
			if (stat(p, &st) == 0)
				return p;
			free(p);
		}
	}
	return xstrdup(UFWD_LIBEXECDIR "/after-init-hook");
}

/* The args for after.init's BEGIN: kept from an existing snippet. */
static int init_args(struct sync_ctx *c, const struct file_change *f, char **args)
{
	struct block_loc loc;
	int ret = block_locate(sb_str(&f->old), f->old.len, &block_kind_init, f->path,
			       &loc, &c->d);

	*args = NULL;
	if (ret < 0)
		return ret;
	if (loc.present && block_init_mode(loc.args) < 0) {
		diag_err(&c->d, f->path, loc.begin_line,
			 "damaged ufw-docker markers: bad '%s' on BEGIN", loc.args);
		ret = -EBADMSG;
	} else if (loc.present) {
		*args = xstrdup(loc.args);
	} else {
		*args = block_init_args(f->existed ? f->old_mode : BLOCK_INIT_CREATED);
	}
	block_loc_free(&loc);
	return ret;
}

static int plan_after_init(struct sync_ctx *c, struct file_change *f)
{
	char *path = path_under_root(c->o->root, "/etc/ufw/after.init");
	char *hook = hook_path(), *args = NULL, *body = NULL;
	int ret = file_change_load(f, path, &c->d);

	free(path);
	if (ret == 0 && strchr(hook, '\'')) {
		diag_err(&c->d, hook, 0,
			 "a quote in our hook's path cannot go in after.init");
		ret = -EINVAL;
	}
	if (ret == 0)
		ret = init_args(c, f, &args);
	if (ret == 0) {
		if (!f->existed)
			sb_adds(&f->old, "#!/bin/sh\n");
		body = xasprintf("if [ -x '%s' ]; then '%s' \"$1\" || true; fi\n", hook,
				 hook);
		ret = block_set(sb_str(&f->old), f->old.len, &block_kind_init, f->path,
				args, body, &f->new, &c->d);
		if (!f->existed)
			sb_reset(&f->old);
		/* ufw-init runs after.init only when executable */
		f->new_mode = f->existed ? (f->old_mode | 0110) : 0750;
	}
	free(body);
	free(args);
	free(hook);
	return ret;
}

/* The backend: the config's; auto: what Docker uses, or what our block in
 * after.rules was written for when Docker is not running. */
static int pick_backend(struct sync_ctx *c)
{
	char *path = path_under_root(c->o->root, "/etc/ufw/after.rules");
	enum ufwd_backend rec = UFWD_BACKEND_IPTABLES;
	struct strbuf text = {0}, body = {0};
	int ret = file_read(path, &text, true, &c->d);

	if (ret == 0 && text.len)
		ret =
		    block_body(text.buf, text.len, &block_kind_rules, path, &body, &c->d);
	if (ret > 0)
		rec = backend_of_block(body.buf);
	if (ret >= 0)
		ret = backend_pick(c->cfg.backend, rec, &c->be, &c->d);
	sb_free(&text);
	sb_free(&body);
	free(path);
	return ret;
}

/* Inserts lines before the final COMMIT of tx. */
static void insert_before_commit(struct strbuf *tx, const struct strbuf *lines)
{
	static const char commit[] = "COMMIT\n";

	if (!lines->len)
		return;
	tx->len -= sizeof(commit) - 1;
	tx->buf[tx->len] = '\0';
	sb_adds(tx, lines->buf);
	sb_adds(tx, commit);
}

/* Enabled ufw, applied family: block + jump in one transaction (with the
 * nftables backend's companion removed), unless the kernel already holds
 * exactly what the last sync applied. */
static int plan_apply(struct sync_ctx *c, struct fam_live *l)
{
	struct strbuf now = {0}, then = {0}, other = {0};
	char *sp = ipt_state_path(c->o->root, l->fam);
	struct ipt_jump j;
	int ret = ipt_check_variant(l->fam, &c->d);

	if (ret == 0)
		ret = ipt_jump_state(l->fam, &j, &c->d);
	if (ret == 0)
		ret = backend_companion_removal(l->fam, &other, &c->d);
	if (ret == 0)
		ret = ipt_live_state(l->fam, sb_str(&l->block), &now, &c->d);
	if (ret == 0 && !other.len && file_read(sp, &then, true, &c->d) == 0 &&
	    streq(now.buf, then.buf) && ipt_jump_ok(&j, true))
		goto out;
	if (ret == 0)
		ret = ipt_build_tx(sb_str(&l->block), &j, true, &l->tx);
	if (ret == -EINVAL)
		diag_err(&c->d, NULL, 0, "internal: our block does not end with COMMIT");
	if (ret == 0)
		insert_before_commit(&l->tx, &other);
	l->record = ret == 0;
out:
	sb_free(&now);
	sb_free(&then);
	sb_free(&other);
	free(sp);
	return ret;
}

static int plan_live(struct sync_ctx *c, struct fam_live *l)
{
	bool want = l->fam == UFW_V4 || c->v6;

	if (l->fam == UFW_V6 && !ufw_kernel_has_ipv6())
		return 0;
	if (c->be == UFWD_BACKEND_NFTABLES && c->st.enabled)
		return backend_companion_tx(l->fam, want, &l->tx, &c->d);
	if (want && c->st.enabled)
		return plan_apply(c, l);
	/* disabled: containers unfiltered as Docker made them; unwanted v6:
	 * our chains go too, as after6.rules no longer declares them */
	return ipt_removal_tx(l->fam, !want, &l->tx, &c->d);
}

/* Our nf_tables tables: replaced (nftables backend, ufw enabled) unless in
 * sync, else deleted when present. */
static int plan_nft(struct sync_ctx *c)
{
	struct nftb_input in = {&c->rs, &c->st, &c->cfg, c->v6};
	bool yes = false;
	int ret;

	if (c->be != UFWD_BACKEND_NFTABLES || !c->st.enabled) {
		ret = nftb_present(&yes, &c->d);
		c->nft_remove = yes;
		return ret;
	}
	ret = backend_nft_in_sync(c->o->root, &in, &yes, &c->d);
	c->nft_apply = ret == 0 && !yes;
	if (c->nft_apply)
		ret = nftb_apply(&in, &c->nft_text, &c->d);
	return ret;
}

static int plan(void *arg)
{
	static const char *const rules[2] = {"/etc/ufw/after.rules",
					     "/etc/ufw/after6.rules"};
	struct sync_ctx *c = arg;
	int ret = load_inputs(c);

	if (ret == 0)
		ret = pick_backend(c);
	for (int i = 0; i < 2 && ret == 0; i++)
		ret = plan_rules_file(c, &c->live[i], &c->files[i], rules[i]);
	if (ret == 0)
		ret = plan_after_init(c, &c->files[F_INIT]);
	for (int i = 0; i < 2 && ret == 0; i++)
		ret = plan_live(c, &c->live[i]);
	if (ret == 0)
		ret = plan_nft(c);
	return ret;
}

static bool anything_to_do(const void *arg)
{
	const struct sync_ctx *c = arg;

	return cmd_files_need_change(c->files, N_FILES) || c->live[0].tx.len ||
	       c->live[1].tx.len || c->nft_apply || c->nft_remove;
}

static void print_plan(const void *arg)
{
	const struct sync_ctx *c = arg;

	cmd_print_files(c->files, N_FILES);
	for (int i = 0; i < 2; i++)
		cmd_print_ipt_tx(c->live[i].fam, &c->live[i].tx);
	if (c->nft_apply)
		printf("# nft, one batch replacing our tables:\n%s",
		       sb_str(&c->nft_text));
	if (c->nft_remove)
		printf("# nft, one batch: delete table ip " NFTB_TABLE
		       " and table ip6 " NFTB_TABLE "\n");
}

/* Our nf_tables tables, before the iptables side under the nftables backend
 * (the DOCKER-USER jump goes only once they filter), after it otherwise. */
static int commit_nft(struct sync_ctx *c)
{
	struct nftb_input in = {&c->rs, &c->st, &c->cfg, c->v6};
	int ret = 0;

	if (c->nft_apply) {
		ret = backend_nft_apply(c->o->root, &in, &c->d);
		if (ret == 0 && !c->o->quiet)
			printf("ufw-docker: nftables table%s applied live (one batch)\n",
			       c->v6 ? "s ip and ip6 " NFTB_TABLE : " ip " NFTB_TABLE);
		else if (ret < 0)
			diag_err(&c->d, NULL, 0,
				 "our nftables tables were not changed; fix the error "
				 "and sync again");
	} else if (c->nft_remove) {
		ret = backend_nft_remove(c->o->root, &c->d);
		if (ret >= 0 && !c->o->quiet)
			printf("ufw-docker: nftables tables " NFTB_TABLE " removed\n");
	}
	return ret < 0 ? ret : 0;
}

static int commit(struct sync_ctx *c)
{
	int ret = 0;

	for (int i = 0; i < N_FILES && ret == 0; i++) {
		if (!file_change_needed(&c->files[i]))
			continue;
		ret = file_change_apply(&c->files[i], &c->d);
		if (ret == 0 && !c->o->quiet)
			printf("ufw-docker: updated %s\n", c->files[i].path);
	}
	if (ret == 0 && c->be == UFWD_BACKEND_NFTABLES)
		ret = commit_nft(c);
	for (int i = 0; i < 2 && ret == 0; i++) {
		struct fam_live *l = &c->live[i];

		if (!l->tx.len)
			continue;
		ret = ipt_restore(l->fam, sb_str(&l->tx), &c->d);
		if (ret == 0 && l->record)
			ret = ipt_record_state(c->o->root, l->fam, sb_str(&l->block),
					       &c->d);
		if (ret == 0 && !c->o->quiet)
			printf("ufw-docker: IPv%d rules applied live\n", (int)l->fam);
		else if (ret == -EINTR)
			diag_err(&c->d, NULL, 0,
				 "the IPv%d live rules are the previous or the new ones; "
				 "files are updated: run `ufw-docker sync` again",
				 (int)l->fam);
		else if (ret < 0)
			diag_err(
			    &c->d, NULL, 0,
			    "the IPv%d live rules were not changed (the previous ones "
			    "are still in force); files are updated: fix the error and "
			    "sync again, or run `ufw reload`",
			    (int)l->fam);
	}
	if (ret == 0 && c->be != UFWD_BACKEND_NFTABLES)
		ret = commit_nft(c);
	return ret;
}

/* commit, then a word when ufw is off: the rules wait for `ufw enable`. */
static int commit_and_tell(void *arg)
{
	struct sync_ctx *c = arg;
	int ret = commit(c);

	if (ret == 0 && !c->st.enabled && !c->o->quiet)
		printf("ufw-docker: ufw is disabled: the rules apply at `ufw "
		       "enable`\n");
	return ret;
}

static const struct cmd_plan_ops sync_ops = {
    plan, anything_to_do, print_plan, commit_and_tell, "already in sync",
};

int cmd_sync(int argc, char **argv, const struct cli_opts *o)
{
	struct sync_ctx c = {.o = o, .live = {{.fam = UFW_V4}, {.fam = UFW_V6}}};
	bool dry = o->dry_run;
	int ret = cmd_dry_run_args(argc, argv, "sync", &dry);

	if (ret)
		return ret;
	diag_init(&c.d, stderr);
	ret = cmd_plan_run(&sync_ops, &c, o, dry, &c.d);
	cmd_files_free(c.files, N_FILES);
	for (int i = 0; i < 2; i++) {
		sb_free(&c.live[i].block);
		sb_free(&c.live[i].tx);
	}
	sb_free(&c.nft_text);
	ufw_ruleset_free(&c.rs);
	ufwd_config_free(&c.cfg);
	diag_free(&c.d);
	if (ret == -EBADMSG || ret == -EXDEV)
		return EXIT_REFUSED;
	return ret == 0 ? EXIT_OK : EXIT_FAIL;
}
