/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ufwproc: reads ancestors' cmdline and stat from /proc to recognise a
 * `ufw reload` in progress (ufw reload = disable then enable). */
#include "ufwproc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* after.init is run by ufw-init, run by ufw's CLI: a few levels suffice. */
#define UFWPROC_MAX_DEPTH 8

static pid_t parent_of(const char *proc, pid_t pid)
{
	char *path = xasprintf("%s/%d/stat", proc, (int)pid);
	FILE *f = fopen(path, "re");
	char line[1024];
	int ppid = 0;

	free(path);
	if (!f)
		return 0;
	/* "pid (comm) state ppid ...": comm may hold spaces and ')' */
	if (fgets(line, sizeof(line), f)) {
		char *end = strrchr(line, ')');

		if (!end || sscanf(end + 1, " %*c %d", &ppid) != 1)
			ppid = 0;
	}
	fclose(f);
	return (pid_t)ppid;
}

static const char *base_name(const char *s)
{
	const char *slash = strrchr(s, '/');

	return slash ? slash + 1 : s;
}

/* argv holds "ufw" (as a program or a script's name) and later "reload". */
static bool cmdline_is_ufw_reload(const char *buf, size_t n)
{
	bool seen_ufw = false;

	for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
		const char *arg = buf + i;

		if (seen_ufw && streq(arg, "reload"))
			return true;
		if (streq(base_name(arg), "ufw"))
			seen_ufw = true;
	}
	return false;
}

static bool is_ufw_reload(const char *proc, pid_t pid)
{
	char *path = xasprintf("%s/%d/cmdline", proc, (int)pid);
	char buf[4096];
	size_t n = 0;
	FILE *f = fopen(path, "re");

	free(path);
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return cmdline_is_ufw_reload(buf, n);
}

bool ufwproc_in_reload(const char *proc, pid_t pid)
{
	for (int depth = 0; depth < UFWPROC_MAX_DEPTH && pid > 1; depth++) {
		pid = parent_of(proc, pid);
		if (pid > 1 && is_ufw_reload(proc, pid))
			return true;
	}
	return false;
}
