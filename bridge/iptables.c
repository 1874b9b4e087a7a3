/* SPDX-License-Identifier: GPL-3.0-or-later */
/* iptables: the only module that runs iptables tools (posix_spawnp, pipes, no
 * shell). Owns the tool names, the DOCKER-USER jump and the variant check. */
#include "iptables.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "xlate.h"

extern char **environ;

#define JUMP_RULE  "-A " IPT_DOCKER_USER " -j " UFWD_CHAIN_ENTRY
#define FWD_DOCKER "-A FORWARD -j " IPT_DOCKER_USER
#define FWD_OURS   "-A FORWARD -m comment --comment " IPT_FWD_COMMENT " -j " IPT_DOCKER_USER

static int spawn(const char *const *argv, int pin[2], int pout[2], int perr[2],
		 pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int ret;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	ret = posix_spawnp(pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return -ret;
}

/* Reads one ready fd into sb (NULL: discard); returns false at EOF/error. */
static bool drain(int fd, struct strbuf *sb)
{
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (sb)
		sb_addn(sb, buf, (size_t)n);
	return true;
}

/* Feeds in to fds[0] and collects fds[1], fds[2] until all are closed. */
static void pump(struct pollfd fds[3], const char *in, size_t inlen, struct strbuf *out,
		 struct strbuf *err)
{
	size_t off = 0;
	ssize_t n;

	while (fds[0].fd >= 0 || fds[1].fd >= 0 || fds[2].fd >= 0) {
		if (poll(fds, 3, -1) < 0 && errno != EINTR)
			break;
		if (fds[0].fd >= 0 && fds[0].revents) {
			n = write(fds[0].fd, in + off, inlen - off);
			if (n > 0)
				off += (size_t)n;
			if ((n < 0 && errno != EINTR && errno != EAGAIN) ||
			    off == inlen) {
				close(fds[0].fd);
				fds[0].fd = -1;
			}
		}
		for (int i = 1; i < 3; i++) {
			if (fds[i].fd >= 0 && fds[i].revents &&
			    !drain(fds[i].fd, i == 1 ? out : err)) {
				close(fds[i].fd);
				fds[i].fd = -1;
			}
		}
	}
}

static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int run_cmd(const char *const *argv, const char *in, size_t inlen, struct strbuf *out,
	    struct strbuf *err)
{
	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	struct pollfd fds[3];
	pid_t pid;
	int ret = 0;

	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 ||
	    pipe2(perr, O_CLOEXEC) < 0)
		ret = -errno;
	if (ret == 0)
		ret = spawn(argv, pin, pout, perr, &pid);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	if (ret < 0) {
		close(pin[1]);
		close(pout[0]);
		close(perr[0]);
		return ret;
	}
	fcntl(pin[1], F_SETFL, O_NONBLOCK);
	fds[0] = (struct pollfd){.fd = pin[1], .events = POLLOUT};
	fds[1] = (struct pollfd){.fd = pout[0], .events = POLLIN};
	fds[2] = (struct pollfd){.fd = perr[0], .events = POLLIN};
	/* a tool that exits without reading its stdin must not kill us */
	sigaction(SIGPIPE, &ign, &old);
	pump(fds, in ? in : "", in ? inlen : 0, out, err);
	sigaction(SIGPIPE, &old, NULL);
	return wait_child(pid);
}

const char *ipt_cmd(enum ufw_family fam, enum ipt_variant v, bool restore)
{
	static const char *const names[2][3][2] = {
	    {{"iptables", "iptables-restore"},
	     {"iptables-nft", "iptables-nft-restore"},
	     {"iptables-legacy", "iptables-legacy-restore"}},
	    {{"ip6tables", "ip6tables-restore"},
	     {"ip6tables-nft", "ip6tables-nft-restore"},
	     {"ip6tables-legacy", "ip6tables-legacy-restore"}},
	};

	return names[fam == UFW_V6][v][restore];
}

/* The tool's first stderr line, for messages. */
static char *first_line(const struct strbuf *sb)
{
	const char *s = sb_str(sb);

	return xstrndup(s, strcspn(s, "\n"));
}

int ipt_list_chain(enum ufw_family fam, enum ipt_variant v, const char *chain,
		   struct strbuf *out, struct diag *d)
{
	const char *argv[] = {ipt_cmd(fam, v, false), "-w", "-S", chain, NULL};
	struct strbuf err = {0};
	char *msg;
	int ret;

	sb_reset(out);
	ret = run_cmd(argv, NULL, 0, out, &err);
	/* 1: "No chain/target/match by that name" (or no table yet) */
	if (ret == -ENOENT || ret == 1) {
		sb_reset(out);
		ret = 0;
	} else if (ret == 0) {
		ret = 1;
	} else {
		msg = first_line(&err);
		diag_err(d, NULL, 0, "'%s -S %s' failed (%d): %s", argv[0], chain, ret,
			 msg);
		free(msg);
		ret = -EIO;
	}
	sb_free(&err);
	return ret;
}

/* Counts the jump lines of a DOCKER-USER listing ("-N", then "-A" lines). */
static void count_jumps(const char *listing, struct ipt_jump *j)
{
	const char *p = listing, *nl;
	size_t n;
	bool first_rule = true;

	for (; *p; p = nl ? nl + 1 : p + n) {
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (n < 3 || strncmp(p, "-A ", 3) != 0)
			continue;
		if (n == strlen(JUMP_RULE) && !strncmp(p, JUMP_RULE, n)) {
			j->count++;
			j->first = j->first || first_rule;
		}
		first_rule = false;
		if (!nl)
			break;
	}
}

/* Counts the lines of listing equal to rule. */
static unsigned count_lines(const char *listing, const char *rule)
{
	size_t n = strlen(rule);
	unsigned count = 0;

	for (const char *p = listing; (p = strstr(p, rule)); p += n)
		if ((p == listing || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			count++;
	return count;
}

/* FORWARD's jumps to DOCKER-USER (Docker's, ours) and whether Docker runs. */
static int forward_state(enum ufw_family fam, struct ipt_jump *j, struct diag *d)
{
	struct strbuf out = {0};
	int ret = ipt_list_chain(fam, IPT_DEFAULT, "DOCKER", &out, d);

	j->docker = ret > 0;
	if (ret >= 0)
		ret = ipt_list_chain(fam, IPT_DEFAULT, "FORWARD", &out, d);
	if (ret > 0) {
		j->fwd_docker = count_lines(sb_str(&out), FWD_DOCKER);
		j->fwd_ours = count_lines(sb_str(&out), FWD_OURS);
	}
	sb_free(&out);
	return ret < 0 ? ret : 0;
}

int ipt_jump_state(enum ufw_family fam, struct ipt_jump *j, struct diag *d)
{
	struct strbuf out = {0};
	int ret = ipt_list_chain(fam, IPT_DEFAULT, IPT_DOCKER_USER, &out, d);

	*j = (struct ipt_jump){0};
	if (ret > 0) {
		j->docker_user = true;
		count_jumps(sb_str(&out), j);
	}
	sb_free(&out);
	if (ret >= 0)
		ret = forward_state(fam, j, d);
	return ret < 0 ? ret : 0;
}

/* How many FORWARD jumps of ours we want: one where Docker runs but left
 * DOCKER-USER unreached, else none. */
static unsigned fwd_wanted(const struct ipt_jump *j, bool want)
{
	return want && j->docker && j->fwd_docker == 0 ? 1 : 0;
}

bool ipt_jump_ok(const struct ipt_jump *j, bool want)
{
	if (j->fwd_ours != fwd_wanted(j, want))
		return false;
	if (want)
		return j->docker_user && j->count == 1 && j->first;
	return j->count == 0;
}

void ipt_jump_fixup(const struct ipt_jump *j, bool want, struct strbuf *tx)
{
	unsigned fwd = fwd_wanted(j, want);

	/* declaring DOCKER-USER would flush it: only when it does not exist */
	if (want && !j->docker_user)
		sb_adds(tx, ":" IPT_DOCKER_USER " - [0:0]\n");
	for (unsigned i = 0; i < j->count; i++)
		sb_adds(tx, "-D " IPT_DOCKER_USER " -j " UFWD_CHAIN_ENTRY "\n");
	if (want)
		sb_adds(tx, "-I " IPT_DOCKER_USER " 1 -j " UFWD_CHAIN_ENTRY "\n");
	for (unsigned i = fwd; i < j->fwd_ours; i++)
		sb_addf(tx, "-D%s\n", &FWD_OURS[2]);
	if (fwd > j->fwd_ours)
		sb_adds(tx, "-I FORWARD 1 -m comment --comment " IPT_FWD_COMMENT
			    " -j " IPT_DOCKER_USER "\n");
}

/* Which backend `iptables` (ufw's) is: IPT_NFT or IPT_LEGACY; IPT_DEFAULT
 * when it cannot tell (old iptables without a backend in -V). */
static enum ipt_variant default_variant(enum ufw_family fam)
{
	const char *argv[] = {ipt_cmd(fam, IPT_DEFAULT, false), "-V", NULL};
	struct strbuf out = {0};
	enum ipt_variant v = IPT_DEFAULT;

	if (run_cmd(argv, NULL, 0, &out, NULL) == 0) {
		if (strstr(sb_str(&out), "(nf_tables)"))
			v = IPT_NFT;
		else if (strstr(sb_str(&out), "(legacy)"))
			v = IPT_LEGACY;
	}
	sb_free(&out);
	return v;
}

int ipt_check_variant(enum ufw_family fam, struct diag *d)
{
	enum ipt_variant mine = default_variant(fam), other;
	struct strbuf out = {0};
	int ret;

	if (mine == IPT_DEFAULT)
		return 0;
	other = mine == IPT_NFT ? IPT_LEGACY : IPT_NFT;
	ret = ipt_list_chain(fam, mine, IPT_DOCKER_USER, &out, d);
	if (ret == 0) /* ufw's backend has none: has the other one? */
		ret = ipt_list_chain(fam, other, IPT_DOCKER_USER, &out, d);
	else if (ret > 0)
		ret = 0;
	sb_free(&out);
	if (ret <= 0)
		return ret;
	diag_err(
	    d, NULL, 0,
	    "Docker's " IPT_DOCKER_USER " chain is in %s, but ufw uses %s (`%s`), "
	    "which has none: Docker and ufw run on different iptables backends. "
	    "Point the iptables alternative at one backend for both, restart Docker, "
	    "then sync again",
	    ipt_cmd(fam, other, false), ipt_cmd(fam, mine, false),
	    ipt_cmd(fam, IPT_DEFAULT, false));
	return -EXDEV;
}

int ipt_restore(enum ufw_family fam, const char *tx, struct diag *d)
{
	const char *argv[] = {ipt_cmd(fam, IPT_DEFAULT, true), "-w", "-n", NULL};
	struct strbuf err = {0};
	int ret = run_cmd(argv, tx, strlen(tx), NULL, &err);

	if (ret == -ENOENT)
		diag_err(d, NULL, 0, "%s not found in PATH", argv[0]);
	else if (ret < 0)
		diag_err(d, NULL, 0, "cannot run %s: %s; nothing applied", argv[0],
			 strerror(-ret));
	else if (ret > 128)
		/* The kernel may have taken the table before the tool died. */
		diag_err(d, NULL, 0,
			 "%s was killed by signal %d: the kernel holds either the "
			 "previous rules or the new ones (each table is replaced "
			 "atomically, never half)",
			 argv[0], ret - 128);
	else if (ret != 0)
		diag_err(d, NULL, 0, "%s -n failed (exit %d), nothing applied: %s",
			 argv[0], ret, err.len ? sb_str(&err) : "(no message)\n");
	sb_free(&err);
	return ret == 0 ? 0 : ret > 128 ? -EINTR : -EIO;
}

int ipt_chains_with_prefix(enum ufw_family fam, const char *prefix, struct strbuf *out,
			   struct diag *d)
{
	const char *argv[] = {ipt_cmd(fam, IPT_DEFAULT, false), "-w", "-S", NULL};
	struct strbuf list = {0};
	char *tag = xasprintf("-N %s", prefix);
	int ret = run_cmd(argv, NULL, 0, &list, NULL);
	char *line, *save = NULL;

	sb_reset(out);
	if (ret != 0) {
		if (ret != -ENOENT)
			diag_err(d, NULL, 0, "'%s -S' failed (%d)", argv[0], ret);
		free(tag);
		sb_free(&list);
		return ret == -ENOENT ? 0 : -EIO;
	}
	line = list.len ? strtok_r(list.buf, "\n", &save) : NULL;
	for (; line; line = strtok_r(NULL, "\n", &save))
		if (str_startswith(line, tag))
			sb_addf(out, "%s\n", line + 3);
	free(tag);
	sb_free(&list);
	return 0;
}

int ipt_build_tx(const char *block, const struct ipt_jump *j, bool want,
		 struct strbuf *tx)
{
	static const char commit[] = "COMMIT\n";
	size_t n = block ? strlen(block) : 0;

	sb_reset(tx);
	if (!block) {
		sb_adds(tx, "*filter\n");
	} else {
		if (n < sizeof(commit) - 1 ||
		    strcmp(block + n - (sizeof(commit) - 1), commit))
			return -EINVAL;
		sb_addn(tx, block, n - (sizeof(commit) - 1));
	}
	ipt_jump_fixup(j, want, tx);
	sb_adds(tx, commit);
	return 0;
}

/* Appends a -D for each rule of ufw(6)-after-forward jumping to a chain of ours
 * (the nftables backend's companion), so that the chain can be deleted. */
static int unhook_after_forward(enum ufw_family fam, struct strbuf *tx, struct diag *d)
{
	const char *chain = fam == UFW_V6 ? "ufw6-after-forward" : "ufw-after-forward";
	char *jump = xasprintf("-A %s -j " UFWD_CHAIN_PREFIX, chain);
	struct strbuf out = {0};
	char *line, *save = NULL;
	int ret = ipt_list_chain(fam, IPT_DEFAULT, chain, &out, d);

	line = ret > 0 ? strtok_r(out.buf, "\n", &save) : NULL;
	for (; line; line = strtok_r(NULL, "\n", &save))
		if (str_startswith(line, jump))
			sb_addf(tx, "-D%s\n", line + 2);
	free(jump);
	sb_free(&out);
	return ret < 0 ? ret : 0;
}

int ipt_removal_tx(enum ufw_family fam, bool chains, struct strbuf *tx, struct diag *d)
{
	struct strbuf names = {0};
	struct ipt_jump j;
	char *line, *save = NULL;
	int ret = ipt_jump_state(fam, &j, d);

	sb_reset(tx);
	if (ret == 0 && chains)
		ret = ipt_chains_with_prefix(fam, UFWD_CHAIN_PREFIX, &names, d);
	if (ret < 0 || (j.count == 0 && j.fwd_ours == 0 && names.len == 0)) {
		sb_free(&names);
		return ret;
	}
	sb_adds(tx, "*filter\n");
	ipt_jump_fixup(&j, false, tx);
	if (names.len && unhook_after_forward(fam, tx, d) < 0) {
		sb_free(&names);
		return -EIO;
	}
	/* declared chains are flushed first, so none is referenced at -X time */
	line = names.len ? strtok_r(names.buf, "\n", &save) : NULL;
	for (; line; line = strtok_r(NULL, "\n", &save))
		sb_addf(tx, ":%s - [0:0]\n", line);
	for (const char *p = names.buf; names.len && p < names.buf + names.len;
	     p += strlen(p) + 1)
		sb_addf(tx, "-X %s\n", p);
	sb_adds(tx, "COMMIT\n");
	sb_free(&names);
	return 0;
}

/* Appends the kernel's listing of every chain block declares. */
static int live_dump(enum ufw_family fam, const char *block, struct strbuf *out,
		     struct diag *d)
{
	struct strbuf one = {0};
	const char *p = block;
	char *name;
	int ret = 0;

	for (; ret >= 0 && (p = strstr(p, "\n:")); p++) {
		name = xstrndup(p + 2, strcspn(p + 2, " \n"));
		ret = ipt_list_chain(fam, IPT_DEFAULT, name, &one, d);
		sb_addf(out, "%s %s\n%s", ret > 0 ? "chain" : "missing", name,
			sb_str(&one));
		free(name);
	}
	sb_free(&one);
	return ret < 0 ? ret : 0;
}

int ipt_live_state(enum ufw_family fam, const char *block, struct strbuf *out,
		   struct diag *d)
{
	sb_reset(out);
	sb_adds(out, block);
	sb_adds(out, "--- live\n");
	return live_dump(fam, block, out, d);
}

char *ipt_state_path(const char *root, enum ufw_family fam)
{
	char *abs = xasprintf(UFWD_LIVE_STATE_FMT, (int)fam);
	char *p = path_under_root(root, abs);

	free(abs);
	return p;
}

static unsigned count_rules(const char *s)
{
	unsigned n = str_startswith(s, "-A ");

	for (const char *p = s; (p = strstr(p, "\n-A ")); p++)
		n++;
	return n;
}

bool ipt_state_plausible(const char *state)
{
	const char *live = strstr(state, "--- live\n");

	if (!live)
		return false;
	return count_rules(live) == count_rules(state) - count_rules(live) &&
	       !strstr(live, "\nmissing ");
}

int ipt_state_write(const char *path, const struct strbuf *text, struct diag *d)
{
	char *dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));
	int ret = 0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		diag_err(d, dir, 0, "cannot create: %s", strerror(-ret));
	}
	if (ret == 0)
		ret = file_write_atomic(path, text->buf, text->len, 0644, d);
	free(dir);
	return ret;
}

int ipt_record_state(const char *root, enum ufw_family fam, const char *block,
		     struct diag *d)
{
	struct strbuf now = {0};
	char *sp = ipt_state_path(root, fam);
	int ret = ipt_live_state(fam, block, &now, d);

	if (ret == 0)
		ret = ipt_state_write(sp, &now, d);
	sb_free(&now);
	free(sp);
	return ret;
}
