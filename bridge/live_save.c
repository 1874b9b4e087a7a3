/* SPDX-License-Identifier: GPL-3.0-or-later */
/* live_save: iptables-save/-restore of either variant, run with posix_spawn
 * (never a shell), on the host or in a scratch netns; lookups in their text. */
#include "live_save.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

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

int live_save_table(int family, enum live_variant v, const char *table,
		    struct strbuf *out, struct diag *d)
{
	const char *argv[] = {tool(family, v, "save"), "-t", table, NULL};
	int ret = run_tool(argv, -1, out);

	if (ret != 0)
		diag_err(d, NULL, 0, "'%s -t %s' failed (%d)", argv[0], table, ret);
	return ret == 0 ? 0 : -EIO;
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

int live_canonical(int family, enum live_variant v, const char *text, struct strbuf *out,
		   struct diag *d)
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

/* ---- save text ---- */

/* The first "-A chain ..." line of text (without the newline), or NULL. */
char *live_first_rule(const char *text, const char *chain)
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

bool live_has_chain_line(const char *text, const char *chain)
{
	char *decl = xasprintf("\n:%s ", chain);
	bool found = strstr(text, decl) != NULL;

	free(decl);
	return found;
}

unsigned live_count_lines(const char *text, const char *line)
{
	size_t len = strlen(line);
	unsigned n = 0;

	for (const char *s = text; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		n += strncmp(s, line, len) == 0 && (s[len] == '\n' || s[len] == '\0');
	return n;
}

/* The "-A <chain> " lines of text for chain, in order. */
char *live_chain_lines(const char *text, const char *chain)
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
