/* SPDX-License-Identifier: GPL-3.0-or-later */
/* live: the running firewall as status and check see it. iptables-nft state
 * comes from nft_view (netlink) and iptables-nft-save; legacy state from
 * iptables-legacy-save, run with posix_spawn (never a shell). */
#include "live.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netfilter.h>

#include "backend.h"
#include "block.h"
#include "docker_api.h"
#include "fileio.h"
#include "json.h"
#include "live_nft.h"
#include "nft_backend.h"
#include "nft_build.h"
#include "nft_view.h"
#include "ufw_rules.h"
#include "xlate.h"

extern char **environ;

/* ---- running tools ---- */

/* Runs argv with stdin from in_fd (-1: /dev/null), stdout into out (NULL:
 * discarded), stderr discarded. Returns the exit status or -errno. */
static int run_tool(const char *const *argv, int in_fd, struct strbuf *out)
{
	posix_spawn_file_actions_t fa;
	int p[2], st, ret;
	pid_t pid;
	char buf[4096];
	ssize_t n;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	if (in_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (ret) {
		close(p[0]);
		return -ret;
	}
	while ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && out)
			sb_addn(out, buf, (size_t)n);
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static const char *tool(int family, enum live_variant v, const char *what)
{
	static const char *const t[2][2][2] = {
	    {{"iptables-nft-save", "iptables-nft-restore"},
	     {"iptables-legacy-save", "iptables-legacy-restore"}},
	    {{"ip6tables-nft-save", "ip6tables-nft-restore"},
	     {"ip6tables-legacy-save", "ip6tables-legacy-restore"}},
	};

	return t[family == 6][v == LIVE_LEGACY][streq(what, "restore")];
}

static int save_table(int family, enum live_variant v, const char *table,
		      struct strbuf *out, struct diag *d)
{
	const char *argv[] = {tool(family, v, "save"), "-t", table, NULL};
	int ret = run_tool(argv, -1, out);

	if (ret != 0)
		diag_err(d, NULL, 0, "'%s -t %s' failed (%d)", argv[0], table, ret);
	return ret == 0 ? 0 : -EIO;
}

/* ---- variants ---- */

static enum live_variant ufw_variant(int family)
{
	char *real =
	    realpath(family == 6 ? "/usr/sbin/ip6tables" : "/usr/sbin/iptables", NULL);
	enum live_variant v = LIVE_NONE;

	if (real && strstr(real, "legacy"))
		v = LIVE_LEGACY;
	else if (real && strstr(real, "nft"))
		v = LIVE_NFT;
	free(real);
	return v;
}

/* Legacy tables exist for family (without loading any kernel module). */
static bool legacy_has(int family, const char *table)
{
	FILE *f = fopen(family == 6 ? "/proc/net/ip6_tables_names"
				    : "/proc/net/ip_tables_names",
			"re");
	char line[64];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strncmp(line, table, strlen(table)) == 0 &&
			line[strlen(table)] == '\n';
	fclose(f);
	return found;
}

const char *live_variant_name(enum live_variant v)
{
	return v == LIVE_NFT	  ? "iptables-nft"
	       : v == LIVE_LEGACY ? "iptables-legacy"
				  : "none";
}

const char *live_docker_backend(const struct live_family *lf)
{
	if (lf->docker_nftables)
		return lf->docker_nft || lf->docker_legacy ? "nftables + iptables"
							   : "nftables";
	if (lf->docker_nft && lf->docker_legacy)
		return "iptables-nft + iptables-legacy";
	if (lf->docker_nft)
		return "iptables-nft";
	return lf->docker_legacy ? "iptables-legacy" : "none";
}

/* ---- save text ---- */

/* The first "-A chain ..." line of text (without the newline), or NULL. */
static char *first_rule(const char *text, const char *chain)
{
	char *prefix = xasprintf("-A %s ", chain);
	const char *s = text;
	char *found = NULL;

	while (s && *s && !found) {
		if (str_startswith(s, prefix))
			found = xstrndup(s, strcspn(s, "\n"));
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	free(prefix);
	return found;
}

static bool has_chain_line(const char *text, const char *chain)
{
	char *decl = xasprintf("\n:%s ", chain);
	bool found = strstr(text, decl) != NULL;

	free(decl);
	return found;
}

static unsigned count_lines(const char *text, const char *line)
{
	size_t len = strlen(line);
	unsigned n = 0;

	for (const char *s = text; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		n += strncmp(s, line, len) == 0 && (s[len] == '\n' || s[len] == '\0');
	return n;
}

static void read_jumps_text(struct live_family *lf)
{
	const char *t = lf->filter_text ? lf->filter_text : "";
	char *fw, *du;

	fw = first_rule(t, "FORWARD");
	du = first_rule(t, "DOCKER-USER");
	lf->has_docker_user = has_chain_line(t, "DOCKER-USER");
	lf->forward_first_docker_user = fw && streq(fw, "-A FORWARD -j DOCKER-USER");
	lf->docker_user_first_ours =
	    du && streq(du, "-A DOCKER-USER -j " UFWD_CHAIN_ENTRY);
	lf->jumps_to_ours = count_lines(t, "-A DOCKER-USER -j " UFWD_CHAIN_ENTRY);
	free(fw);
	free(du);
}

/* ---- DNATs ---- */

static void push_dnat(struct live_family *lf, const struct live_dnat *dn)
{
	for (size_t i = 0; i < lf->n_dnats; i++)
		if (memcmp(&lf->dnats[i], dn, sizeof(*dn)) == 0)
			return; /* the same rule in nf_tables and legacy */
	lf->dnats = xrealloc(lf->dnats, (lf->n_dnats + 1) * sizeof(*lf->dnats));
	lf->dnats[lf->n_dnats++] = *dn;
}

static bool parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned a, b;
	int n = 0;

	if (sscanf(s, "%u:%u%n", &a, &b, &n) == 2 && !s[n] && a && a <= b && b <= 65535) {
		*lo = (uint16_t)a;
		*hi = (uint16_t)b;
		return true;
	}
	if (sscanf(s, "%u%n", &a, &n) == 1 && !s[n] && a && a <= 65535) {
		*lo = *hi = (uint16_t)a;
		return true;
	}
	return false;
}

/* "203.0.113.2:5432", "[fd00::2]:5432", "203.0.113.2" */
static bool parse_to(const char *s, int family, struct live_dnat *dn)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *port = NULL;
	uint16_t hi;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, *s == '[' ? s + 1 : s);
	if (*s == '[') {
		char *close = strchr(buf, ']');

		if (!close)
			return false;
		*close = '\0';
		port = close[1] == ':' ? close + 2 : NULL;
	} else if (family == 4 && strchr(buf, ':')) {
		port = strchr(buf, ':') + 1;
		*strchr(buf, ':') = '\0';
	}
	if (strchr(buf, '-') ||
	    inet_pton(family == 6 ? AF_INET6 : AF_INET, buf, &dn->to) != 1)
		return false;
	return !port || parse_ports(port, &dn->to_port, &hi);
}

static bool dnat_option(struct live_dnat *dn, int family, const char *o, const char *v,
			bool neg)
{
	struct reach_pfx p;

	if (streq(o, "-p"))
		dn->proto = streq(v, "tcp")    ? IPPROTO_TCP
			    : streq(v, "udp")  ? IPPROTO_UDP
			    : streq(v, "sctp") ? IPPROTO_SCTP
					       : 0;
	else if (streq(o, "-d") && !neg && reach_pfx_parse(v, family, &p) &&
		 p.len == (family == 6 ? 128 : 32))
		memcpy(&dn->host, p.a, sizeof(dn->host)), dn->has_host = true;
	else if (streq(o, "-i") && strlen(v) < sizeof(dn->iif))
		strcpy(dn->iif, v), dn->iif_neg = neg;
	else if (streq(o, "--dport"))
		return parse_ports(v, &dn->port_min, &dn->port_max);
	else if (streq(o, "--to-destination"))
		return parse_to(v, family, dn);
	else if (streq(o, "-d"))
		return false;
	return true;
}

/* One "-A CHAIN ... -j DNAT --to-destination X" line of iptables-save. */
static bool parse_dnat_line(char *line, int family, struct live_dnat *dn)
{
	char *w[64], *save = NULL;
	size_t n = 0;
	bool ok = true, dnat = false;

	memset(dn, 0, sizeof(*dn));
	for (char *t = strtok_r(line, " ", &save); t && n < ARRAY_SIZE(w);
	     t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	for (size_t i = 2; i + 1 < n && ok; i++) {
		bool neg = streq(w[i], "!");

		if (neg && ++i + 1 >= n)
			break;
		dnat = dnat || (streq(w[i], "-j") && streq(w[i + 1], "DNAT"));
		if (w[i][0] == '-')
			ok = dnat_option(dn, family, w[i], w[i + 1], neg);
	}
	return ok && dnat && dn->proto && dn->port_min;
}

static void legacy_dnats(struct live_family *lf, const char *nat_text)
{
	const char *s = nat_text;

	while (s && *s) {
		size_t len = strcspn(s, "\n");
		char *line = xstrndup(s, len);
		struct live_dnat dn;

		if (str_startswith(line, "-A ") && strstr(line, " -j DNAT") &&
		    parse_dnat_line(line, lf->family, &dn))
			push_dnat(lf, &dn);
		free(line);
		s += len;
		s += *s == '\n';
	}
}

static void view_dnats(struct live_family *lf, const struct nft_view *v)
{
	for (size_t i = 0; i < v->n_dnats; i++) {
		const struct nft_view_dnat *x = &v->dnats[i];
		struct live_dnat dn;

		memset(&dn, 0, sizeof(dn)); /* padding too: compared with memcmp */
		if (!x->decoded || !x->l4proto || !x->dport_min || !x->has_to_addr)
			continue;
		dn.proto = x->l4proto;
		dn.has_host = x->has_daddr;
		dn.host = x->daddr;
		dn.port_min = x->dport_min;
		dn.port_max = x->dport_max ? x->dport_max : x->dport_min;
		dn.to = x->to_addr;
		dn.to_port = x->to_port_min;
		memcpy(dn.iif, x->iifname, sizeof(dn.iif));
		dn.iif[sizeof(dn.iif) - 1] = '\0';
		dn.iif_neg = x->iif_neg;
		push_dnat(lf, &dn);
	}
}

/* ---- loading ---- */

static bool is_docker_chain(const char *name)
{
	/* not DOCKER-USER: sync creates it where Docker has not */
	return streq(name, "DOCKER") || streq(name, "DOCKER-FORWARD");
}

static int load_nft(struct live_family *lf, struct diag *d)
{
	struct nft_view v = {0};
	int ret = nft_view_load(&v, lf->family == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4, d);

	for (size_t i = 0; ret == 0 && i < v.n_chains; i++)
		lf->docker_nft = lf->docker_nft || is_docker_chain(v.chains[i].name);
	lf->docker_nftables = ret == 0 && v.has_docker_bridges;
	if (ret == 0 && lf->ufw_variant == LIVE_NFT) {
		const struct nft_view_chain *du = nft_view_chain(&v, "DOCKER-USER");
		const char *fj = nft_view_forward_first_jump(&v);

		lf->has_docker_user = du != NULL;
		lf->forward_first_docker_user = fj && streq(fj, "DOCKER-USER");
		lf->docker_user_first_ours =
		    du && du->n_rules && du->rules[0].unconditional &&
		    du->rules[0].target && streq(du->rules[0].target, UFWD_CHAIN_ENTRY);
	}
	if (ret == 0)
		view_dnats(lf, &v);
	nft_view_free(&v);
	return ret;
}

static int load_legacy(struct live_family *lf, struct diag *d)
{
	struct strbuf t = {0};
	int ret = 0;

	if (legacy_has(lf->family, "filter")) {
		ret = save_table(lf->family, LIVE_LEGACY, "filter", &t, d);
		lf->docker_legacy =
		    ret == 0 && (has_chain_line(sb_str(&t), "DOCKER") ||
				 has_chain_line(sb_str(&t), "DOCKER-FORWARD"));
		sb_reset(&t);
	}
	if (ret == 0 && legacy_has(lf->family, "nat")) {
		ret = save_table(lf->family, LIVE_LEGACY, "nat", &t, d);
		legacy_dnats(lf, sb_str(&t));
	}
	sb_free(&t);
	return ret;
}

int live_load(struct live_family *lf, int family, struct diag *d)
{
	struct strbuf t = {0};
	int ret;

	memset(lf, 0, sizeof(*lf));
	lf->family = family;
	lf->ufw_variant = ufw_variant(family);
	ret = load_nft(lf, d);
	if (ret == 0)
		ret = load_legacy(lf, d);
	if (ret == 0 && lf->ufw_variant != LIVE_NONE) {
		bool legacy = lf->ufw_variant == LIVE_LEGACY;

		if (!legacy || legacy_has(family, "filter"))
			ret = save_table(family, lf->ufw_variant, "filter", &t, d);
		lf->filter_text = sb_detach(&t);
		lf->source = legacy ? "iptables-legacy-save"
				    : "nf_tables netlink + iptables-nft-save";
		lf->jumps_to_ours =
		    count_lines(lf->filter_text, "-A DOCKER-USER -j " UFWD_CHAIN_ENTRY);
		if (legacy)
			read_jumps_text(lf);
	}
	sb_free(&t);
	return ret;
}

void live_free(struct live_family *lf)
{
	free(lf->filter_text);
	free(lf->dnats);
	memset(lf, 0, sizeof(*lf));
}

/* ---- what sync would write, in the kernel's own words ---- */

/* In a child: a private network namespace, restore text, save it back. */
static void canon_child(int family, enum live_variant v, int in_fd, int out_fd)
{
	const char *restore[] = {tool(family, v, "restore"), "-n", NULL};
	const char *save[] = {tool(family, v, "save"), "-t", "filter", NULL};
	struct strbuf out = {0};

	if (unshare(CLONE_NEWNET))
		_exit(97);
	if (run_tool(restore, in_fd, NULL) != 0)
		_exit(98);
	if (run_tool(save, -1, &out) != 0)
		_exit(99);
	if (write(out_fd, sb_str(&out), out.len) != (ssize_t)out.len)
		_exit(96);
	_exit(0);
}

static int canonical(int family, enum live_variant v, const char *text,
		     struct strbuf *out, struct diag *d)
{
	int mfd = memfd_create("ufw-docker-canon", MFD_CLOEXEC), p[2], st;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	if (mfd < 0 || write(mfd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    lseek(mfd, 0, SEEK_SET) != 0 || pipe2(p, O_CLOEXEC)) {
		if (mfd >= 0)
			close(mfd);
		return -errno;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		canon_child(family, v, mfd, p[1]);
	close(p[1]);
	close(mfd);
	while (pid > 0 &&
	       ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			sb_addn(out, buf, (size_t)n);
	close(p[0]);
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		diag_warn(d, NULL, 0,
			  "cannot load the expected rules in a scratch network namespace "
			  "(needs root): drift not checked");
		return -EPERM;
	}
	return 0;
}

/* The "-A <chain> " lines of text for chain, in order. */
static char *chain_lines(const char *text, const char *chain)
{
	char *prefix = xasprintf("-A %s ", chain);
	struct strbuf out = {0};

	for (const char *s = text; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		if (str_startswith(s, prefix)) {
			sb_addn(&out, s, strcspn(s, "\n"));
			sb_addc(&out, '\n');
		}
	free(prefix);
	return sb_detach(&out);
}

/* ---- judging ---- */

static void add_problem(struct live_survey *s, const char *kind, int family,
			const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void add_problem(struct live_survey *s, const char *kind, int family,
			const char *fix, const char *fmt, ...)
{
	struct live_problem *p;
	struct strbuf msg = {0};
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	s->problems = xrealloc(s->problems, (s->n_problems + 1) * sizeof(*s->problems));
	p = &s->problems[s->n_problems++];
	p->kind = xstrdup(kind);
	p->family = family;
	p->message = sb_detach(&msg);
	p->fix = fix ? xstrdup(fix) : NULL;
}

static const char *const our_chains[] = {UFWD_CHAIN_ENTRY, UFWD_CHAIN_INPUT,
					 UFWD_CHAIN_LIMIT};

static unsigned n_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Compares our chains live with canon; reports the first difference. */
static bool chains_equal(struct live_survey *s, int family, const char *live,
			 const char *canon)
{
	bool same = true;

	for (size_t i = 0; i < ARRAY_SIZE(our_chains) && same; i++) {
		const char *c = our_chains[i];
		char *a = chain_lines(live, c), *b = chain_lines(canon, c);

		if (has_chain_line(live, c) != has_chain_line(canon, c)) {
			add_problem(s, "drift", family, "ufw-docker sync",
				    "IPv%d: chain %s is missing", family, c);
			same = false;
		} else if (!streq(a, b)) {
			add_problem(
			    s, "drift", family, "ufw-docker sync",
			    "IPv%d: %s differs from what sync would write now "
			    "(%u rules live, %u expected): flushed, edited, or ufw's "
			    "rules changed since the last sync",
			    family, c, n_lines(a), n_lines(b));
			same = false;
		}
		free(a);
		free(b);
	}
	return same;
}

static void check_drift(struct live_survey *s, size_t k, const char *expected,
			struct diag *d)
{
	struct live_family *lf = &s->fam[k];
	struct strbuf canon = {0};

	if (canonical(lf->family, lf->ufw_variant, expected, &canon, d) == 0) {
		s->sync_known[k] = true;
		s->in_sync[k] =
		    chains_equal(s, lf->family, lf->filter_text, sb_str(&canon));
	}
	sb_free(&canon);
}

static bool docker_elsewhere(const struct live_family *lf)
{
	if (lf->ufw_variant == LIVE_NFT)
		return lf->docker_legacy && !lf->docker_nft;
	if (lf->ufw_variant == LIVE_LEGACY)
		return lf->docker_nft && !lf->docker_legacy;
	return false;
}

/* The structure checks of one family while ufw is active. */
static void check_structure(struct live_survey *s, const struct live_family *lf)
{
	int f = lf->family;
	bool docker = lf->docker_nft || lf->docker_legacy;

	if (lf->docker_nftables && !docker)
		add_problem(
		    s, "variant", f, NULL,
		    "IPv%d: Docker uses its nftables backend: there is no DOCKER-USER "
		    "chain, ufw's rules do not apply to published ports",
		    f);
	if (docker_elsewhere(lf))
		add_problem(
		    s, "variant", f,
		    "update-alternatives --config iptables; systemctl restart docker",
		    "IPv%d: ufw uses %s but Docker's rules are in %s: ufw's rules do "
		    "not see container traffic",
		    f, live_variant_name(lf->ufw_variant), live_docker_backend(lf));
	if (!docker || docker_elsewhere(lf))
		return;
	if (!lf->has_docker_user)
		add_problem(s, "docker-user", f, "systemctl restart docker",
			    "IPv%d: chain DOCKER-USER does not exist", f);
	else if (!lf->forward_first_docker_user)
		add_problem(s, "forward", f, "systemctl restart docker",
			    "IPv%d: FORWARD's first rule does not jump to DOCKER-USER",
			    f);
	if (lf->has_docker_user &&
	    (!lf->docker_user_first_ours || lf->jumps_to_ours != 1))
		add_problem(s, "jump", f, "ufw-docker sync",
			    "IPv%d: DOCKER-USER's first rule does not jump to %s "
			    "(%u jumps there)",
			    f, UFWD_CHAIN_ENTRY, lf->jumps_to_ours);
}

/* The filter table where Docker's DOCKER-USER lives (the packets' path). */
static char *docker_filter_text(const struct live_family *lf, struct diag *d)
{
	struct strbuf t = {0};
	enum live_variant other = lf->ufw_variant == LIVE_NFT ? LIVE_LEGACY : LIVE_NFT;

	if (!docker_elsewhere(lf))
		return xstrdup(lf->filter_text ? lf->filter_text : "");
	if (save_table(lf->family, other, "filter", &t, d) != 0)
		sb_reset(&t);
	return sb_detach(&t);
}

static void eval_port(struct live_survey *s, struct live_port *lp,
		      const struct reach_start *live, const struct reach_start *ufw)
{
	const char **skip = (const char **)s->cfg.internal_ifaces;

	reach_eval(live, ufw, &lp->port, skip, s->cfg.n_internal_ifaces, &lp->r);
	if (lp->r.n_denied) {
		struct strbuf who = {0}, addr = {0};
		struct reach_pfx h = {.len = lp->family == 6 ? 128 : 32};

		memcpy(h.a, &lp->port.host, 16);
		if (lp->port.has_host_addr)
			reach_pfx_format(&h, lp->family, &addr);
		else
			sb_adds(&addr, lp->family == 6 ? "[::]" : "0.0.0.0");
		for (size_t i = 0; i < lp->r.n_denied; i++)
			sb_addf(&who, "%s%s", i ? "; " : "", lp->r.denied[i]);
		add_problem(s, "leak", lp->family, "ufw-docker sync",
			    "%s port %s:%u is reachable from %s, which ufw denies",
			    lp->port.proto == IPPROTO_UDP ? "udp" : "tcp", sb_str(&addr),
			    lp->port.host_port, sb_str(&who));
		sb_free(&who);
		sb_free(&addr);
	}
}

static void add_ports(struct live_survey *s, const struct live_family *lf,
		      const struct reach_start *live, const struct reach_start *ufw)
{
	for (size_t i = 0; i < lf->n_dnats; i++) {
		const struct live_dnat *dn = &lf->dnats[i];

		for (unsigned p = dn->port_min;
		     p <= dn->port_max && p - dn->port_min < 1024; p++) {
			struct live_port *lp;

			s->ports =
			    xrealloc(s->ports, (s->n_ports + 1) * sizeof(*s->ports));
			lp = &s->ports[s->n_ports++];
			memset(lp, 0, sizeof(*lp));
			lp->family = lf->family;
			lp->port.family = lf->family;
			lp->port.proto = dn->proto;
			lp->port.has_host_addr = dn->has_host;
			lp->port.host = dn->host;
			lp->port.host_port = (uint16_t)p;
			lp->port.container = dn->to;
			lp->port.container_port =
			    dn->to_port ? (uint16_t)(dn->to_port + (p - dn->port_min))
					: (uint16_t)p;
			if (dn->iif_neg)
				memcpy(lp->port.out_if, dn->iif, sizeof(lp->port.out_if));
			eval_port(s, lp, live, ufw);
		}
	}
}

/* ---- the nftables backend ---- */

static bool nft_backend(const struct live_survey *s)
{
	return s->backend == UFWD_BACKEND_NFTABLES;
}

/* The backend our after.rules block was written for (as sync reads it). */
static enum ufwd_backend recorded_backend(const char *root, struct diag *d)
{
	char *path = path_under_root(root, "/etc/ufw/after.rules");
	struct strbuf text = {0}, body = {0};
	enum ufwd_backend rec = UFWD_BACKEND_IPTABLES;

	if (file_read(path, &text, true, d) == 0 && text.len &&
	    block_body(text.buf, text.len, &block_kind_rules, path, &body, d) > 0)
		rec = backend_of_block(body.buf);
	sb_free(&text);
	sb_free(&body);
	free(path);
	return rec;
}

/* The first message q kept, without "ufw-docker: warning: " and newline. */
static char *kept_message(const struct diag *q)
{
	const char *m = sb_str(&q->kept), *colon = strstr(m, ": warning: ");

	if (!colon)
		colon = strstr(m, ": error: ");
	m = colon ? strchr(colon + 2, ':') + 2 : m;
	return xstrndup(m, strcspn(m, "\n"));
}

/* nftb_status's first difference, msg "table ip6 ufw-docker is missing". */
static void nft_drift(struct live_survey *s, const char *msg)
{
	bool missing = strstr(msg, " is missing") != NULL;

	s->nft_tables = missing ? "missing" : "different";
	s->nft_family = str_startswith(msg, "table ip6 ") ? 6 : 4;
	add_problem(s, "drift", s->nft_family, "ufw-docker sync", "nftables: %s: %s", msg,
		    missing ? "ufw's rules do not reach that family's containers"
			    : "the verdicts are the live table's, not ufw's");
}

/* Our tables against what sync would install now (sets s->nft_tables). */
static int check_nft_tables(struct live_survey *s, struct diag *d)
{
	bool v6 = s->st.ipv6 && ufw_kernel_has_ipv6() && s->cfg.ipv6 != UFWD_NO;
	struct nftb_input in = {&s->rs, &s->st, &s->cfg, v6};
	bool present = false;
	struct diag q;
	char *msg;
	int ret = nftb_present(&present, d);

	s->nft_family = 0;

	if (ret == 0 && (!nft_backend(s) || !s->st.enabled)) {
		s->nft_tables = present ? "left over" : "none";
		if (present)
			add_problem(s, "drift", 0, "ufw-docker sync",
				    "nftables: table " NFTB_TABLE " is loaded while %s",
				    s->st.enabled ? "the iptables backend is in force"
						  : "ufw is inactive");
		return 0;
	}
	if (ret)
		return ret;
	diag_init(&q, NULL);
	q.keep = 1;
	ret = nftb_status(&in, &q);
	/* nftb_status stops at the first difference: presence per family */
	for (int k = 0; k < 2 && ret >= 0; k++) {
		bool here = false;

		if (nftb_present_family(k ? UFW_V6 : UFW_V4, &here, d) == 0)
			s->nft_absent[k] = !here;
	}
	msg = kept_message(&q);
	if (ret == 0)
		s->nft_tables = "in sync";
	else if (ret == 1)
		nft_drift(s, msg);
	else
		diag_err(d, NULL, 0, "%s", msg);
	free(msg);
	diag_free(&q);
	return ret < 0 ? ret : 0;
}

/* ufw's FORWARD must let through what our table marked: the companion. */
static void check_companion(struct live_survey *s, const struct live_family *lf,
			    struct diag *d)
{
	enum ufw_family fam = lf->family == 6 ? UFW_V6 : UFW_V4;
	struct strbuf tx = {0};

	if (lf->ufw_variant != LIVE_NONE &&
	    backend_companion_tx(fam, true, &tx, d) == 0 && tx.len) {
		add_problem(s, "companion", lf->family, "ufw-docker sync",
			    "IPv%d: ufw's %s does not jump exactly once to %s, or "
			    "chains of the iptables backend are loaded: what our "
			    "table allows may be dropped by ufw's FORWARD policy",
			    lf->family,
			    fam == UFW_V6 ? "ufw6-after-forward" : "ufw-after-forward",
			    NFTB_COMPANION_CHAIN);
	}
	sb_free(&tx);
}

/* One family's checks while ufw is active, per backend. */
static void check_family(struct live_survey *s, size_t k, const char *expected,
			 struct diag *d)
{
	struct live_family *lf = &s->fam[k];

	if (nft_backend(s)) {
		check_companion(s, lf, d);
		/* nftb_status stops at the first difference, IPv4 first */
		s->sync_known[k] =
		    s->nft_tables && (!s->nft_family || lf->family <= s->nft_family);
		s->in_sync[k] = s->sync_known[k] && lf->family != s->nft_family;
		return;
	}
	check_structure(s, lf);
	if (lf->ufw_variant != LIVE_NONE && !docker_elsewhere(lf))
		check_drift(s, k, expected, d);
}

/* Container names from Docker's API, when it answers (else names stay NULL). */
static void name_ports(struct live_survey *s)
{
	struct docker_names n = {0};

	if (!s->n_ports ||
	    docker_api_query(docker_api_socket(), DOCKER_API_TIMEOUT_MS, &n) != 0)
		return;
	s->docker_names = true;
	for (size_t i = 0; i < s->n_ports; i++) {
		struct live_port *lp = &s->ports[i];
		const char *name = docker_names_find(&n, lp->family, &lp->port.container);

		if (name)
			lp->container = xstrdup(name);
	}
	docker_names_free(&n);
}

/* Where a new connection to a published port must get through, in the
 * kernel's order. The iptables backend: DOCKER-USER (its RETURN: Docker's
 * rules accept). The nftables backend: Docker's nftables accept what they
 * publish, then iptables' FORWARD as ufw left it (its policy, ufw's route
 * rules, our companion accepting the mark our table set). Either way our
 * nf_tables table's base chains, read back, when it exists. */
struct stages {
	struct reach_ruleset docker, forward;
	struct live_nft nft;
	struct reach_start first, fwd;
};

static int stages_load(struct live_survey *s, const struct live_family *lf,
		       struct stages *sg, struct diag *d)
{
	char *dtext = nft_backend(s) ? NULL : docker_filter_text(lf, d);
	int ret = live_nft_load(&sg->nft, lf->family, d);

	sg->first = (struct reach_start){NULL, "DOCKER-USER", NULL};
	sg->fwd = (struct reach_start){NULL, "FORWARD", NULL};
	if (ret == 0 && dtext) {
		ret = reach_parse(&sg->docker, lf->family, dtext);
		sg->first.rs = &sg->docker;
	}
	if (ret == 0 && nft_backend(s) && lf->ufw_variant != LIVE_NONE &&
	    lf->filter_text) {
		ret = reach_parse(&sg->forward, lf->family, lf->filter_text);
		sg->fwd.rs = &sg->forward;
	}
	sg->first.next = live_nft_stages(&sg->nft, sg->fwd.rs ? &sg->fwd : NULL);
	free(dtext);
	return ret;
}

static void stages_free(struct stages *sg)
{
	reach_ruleset_free(&sg->docker);
	reach_ruleset_free(&sg->forward);
	live_nft_free(&sg->nft);
}

/* One family: structure, drift, then every published port, its verdict from
 * the live stages above; ufw's verdict from the rules sync would write. */
static int survey_family(struct live_survey *s, size_t k, struct diag *d)
{
	struct live_family *lf = &s->fam[k];
	enum ufw_family fam = lf->family == 6 ? UFW_V6 : UFW_V4;
	struct reach_ruleset urs = {0};
	struct stages sg = {0};
	struct strbuf expected = {0};
	struct reach_start ufw = {NULL, UFWD_CHAIN_ENTRY, NULL};
	int ret = xlate_block(&s->rs, fam, &s->st, &s->cfg, &expected, d);

	if (ret == 0 && s->st.enabled) {
		check_family(s, k, sb_str(&expected), d);
		ufw.rs = &urs;
	}
	if (ret == 0)
		ret = stages_load(s, lf, &sg, d);
	if (ret == 0)
		ret = reach_parse(&urs, lf->family, sb_str(&expected));
	if (ret == 0)
		add_ports(s, lf, &sg.first, &ufw);
	else
		diag_err(d, NULL, 0, "IPv%d: cannot read the rules", lf->family);
	stages_free(&sg);
	reach_ruleset_free(&urs);
	sb_free(&expected);
	return ret;
}

static bool want_v6(const struct live_survey *s)
{
	if (s->cfg.ipv6 == UFWD_NO)
		return false;
	return (s->cfg.ipv6 == UFWD_YES || s->st.ipv6) && ufw_kernel_has_ipv6();
}

int live_survey(struct live_survey *s, const char *root, const char *config_path,
		struct diag *d)
{
	char *conf =
	    config_path ? xstrdup(config_path) : path_under_root(root, UFWD_CONFIG_PATH);
	int ret;

	memset(s, 0, sizeof(*s));
	ufwd_config_defaults(&s->cfg);
	ret = ufwd_config_load(&s->cfg, conf, d);
	free(conf);
	if (ret == 0)
		ret = ufw_state_load(&s->st, root, d);
	if (ret == 0)
		ret = ufw_rules_load(root, want_v6(s), &s->rs, d);
	if (ret == 0)
		ret = backend_pick(s->cfg.backend, recorded_backend(root, d), &s->backend,
				   d);
	if (ret == 0)
		ret = check_nft_tables(s, d);
	for (int f = 4; ret == 0 && f <= 6; f += 2) {
		if (f == 6 && !want_v6(s))
			break;
		ret = live_load(&s->fam[s->n_fam], f, d);
		if (ret == 0)
			ret = survey_family(s, s->n_fam++, d);
	}
	if (ret == 0)
		name_ports(s);
	return ret;
}

void live_survey_free(struct live_survey *s)
{
	for (size_t i = 0; i < s->n_fam; i++)
		live_free(&s->fam[i]);
	for (size_t i = 0; i < s->n_problems; i++) {
		free(s->problems[i].kind);
		free(s->problems[i].message);
		free(s->problems[i].fix);
	}
	for (size_t i = 0; i < s->n_ports; i++) {
		free(s->ports[i].container);
		reach_result_free(&s->ports[i].r);
	}
	free(s->problems);
	free(s->ports);
	ufwd_config_free(&s->cfg);
	ufw_ruleset_free(&s->rs);
	memset(s, 0, sizeof(*s));
}

/* ---- output helpers ---- */

const char *live_proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : proto == IPPROTO_SCTP ? "sctp" : "tcp";
}

static void addr_text(int family, const struct in6_addr *a, struct strbuf *out)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf, sizeof(buf));
	sb_adds(out, buf);
}

void live_port_host(const struct live_port *lp, struct strbuf *out)
{
	if (lp->port.has_host_addr)
		addr_text(lp->family, &lp->port.host, out);
	else
		sb_adds(out, lp->family == 6 ? "::" : "0.0.0.0");
}

void live_port_container(const struct live_port *lp, struct strbuf *out)
{
	addr_text(lp->family, &lp->port.container, out);
}

static void str_array(struct strbuf *out, char **v, size_t n)
{
	sb_addc(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(out, ',');
		json_str(out, v[i]);
	}
	sb_addc(out, ']');
}

void live_problems_json(const struct live_survey *s, struct strbuf *out)
{
	json_key(out, "problems");
	sb_addc(out, '[');
	for (size_t i = 0; i < s->n_problems; i++) {
		const struct live_problem *p = &s->problems[i];

		sb_adds(out, i ? ",{" : "{");
		json_key(out, "kind");
		json_str(out, p->kind);
		sb_addf(out, ",\"family\":%d,", p->family);
		json_key(out, "message");
		json_str(out, p->message);
		sb_addc(out, ',');
		json_key(out, "fix");
		json_str(out, p->fix);
		sb_addc(out, '}');
	}
	sb_addc(out, ']');
}

static void port_json(const struct live_port *lp, struct strbuf *out)
{
	struct strbuf a = {0};

	sb_addf(out, "{\"family\":%d,\"proto\":\"%s\",", lp->family,
		live_proto_name(lp->port.proto));
	live_port_host(lp, &a);
	json_key(out, "host_addr");
	json_str(out, sb_str(&a));
	sb_reset(&a);
	sb_addf(out, ",\"host_port\":%u,", lp->port.host_port);
	live_port_container(lp, &a);
	json_key(out, "container_addr");
	json_str(out, sb_str(&a));
	sb_addf(out, ",\"container_port\":%u,", lp->port.container_port);
	json_key(out, "container");
	json_str(out, lp->container);
	sb_addf(out, ",\"verdict\":\"%s\",", reach_verdict_name(lp->r.verdict));
	json_key(out, "sources");
	str_array(out, lp->r.sources, lp->r.n_sources);
	sb_addc(out, ',');
	json_key(out, "denied");
	str_array(out, lp->r.denied, lp->r.n_denied);
	sb_addf(out, ",\"uncertain\":%u}", lp->r.uncertain);
	sb_free(&a);
}

void live_ports_json(const struct live_survey *s, struct strbuf *out)
{
	json_key(out, "ports");
	sb_addc(out, '[');
	for (size_t i = 0; i < s->n_ports; i++) {
		if (i)
			sb_addc(out, ',');
		port_json(&s->ports[i], out);
	}
	sb_addc(out, ']');
}

void live_problems_text(const struct live_survey *s, struct strbuf *out)
{
	if (s->n_problems)
		sb_adds(out, "\nProblems:\n");
	for (size_t i = 0; i < s->n_problems; i++) {
		const struct live_problem *p = &s->problems[i];

		sb_addf(out, "  %s: %s\n", p->kind, p->message);
		if (p->fix)
			sb_addf(out, "    fix: %s\n", p->fix);
	}
}
