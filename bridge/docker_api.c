/* SPDX-License-Identifier: GPL-3.0-or-later */
/* docker_api: owns the one talk with Docker's API socket (container names for
 * check) and the small scan of its JSON reply; no JSON library needed. */
#include "docker_api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define MAX_REPLY (16u << 20) /* bytes: a bigger reply is refused */
#define MAX_DEPTH 16	      /* JSON nesting followed; deeper is skipped */
#define MAX_ADDRS 32	      /* addresses kept per container */
#define KEY_LEN	  24

const char *docker_api_socket(void)
{
	const char *h = getenv("DOCKER_HOST");

	if (!h || !*h)
		return DOCKER_API_SOCKET;
	return str_startswith(h, "unix://") && h[7] ? h + 7 : NULL;
}

/* ---- the JSON scan ---- */

struct scan {
	int depth;
	char type[MAX_DEPTH];	      /* '{' or '[' at each depth */
	char key[MAX_DEPTH][KEY_LEN]; /* last key read in the object at depth */
	char name[256];		      /* the container's first name */
	struct docker_name addrs[MAX_ADDRS];
	size_t n_addrs;
};

/* Reads a JSON string starting after its opening quote into buf (cut to
 * size, escapes simplified); returns the position after the closing quote. */
static const char *read_string(const char *p, const char *end, char *buf, size_t size)
{
	size_t n = 0;

	while (p < end && *p != '"') {
		char c = *p++;

		if (c == '\\' && p < end) {
			c = *p++;
			if (c == 'u') {
				p += end - p < 4 ? end - p : 4;
				c = '?';
			} else if (c != '"' && c != '\\' && c != '/') {
				c = '?';
			}
		}
		if (n + 1 < size)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return p < end ? p + 1 : end;
}

static void add_addr(struct scan *sc, const char *text)
{
	struct docker_name *a = &sc->addrs[sc->n_addrs];

	if (sc->n_addrs >= MAX_ADDRS)
		return;
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, &a->addr) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, text, &a->addr) == 1)
		a->family = 6;
	sc->n_addrs += a->family != 0;
}

static void on_value(struct scan *sc, const char *v)
{
	int d = sc->depth;

	if (d <= 0 || d >= MAX_DEPTH)
		return;
	if (d == 3 && sc->type[3] == '[' && sc->type[2] == '{' &&
	    streq(sc->key[2], "Names") && !sc->name[0])
		snprintf(sc->name, sizeof(sc->name), "%s", v + (*v == '/'));
	else if (d >= 2 && sc->type[d] == '{' &&
		 (streq(sc->key[d], "IPAddress") ||
		  streq(sc->key[d], "GlobalIPv6Address")))
		add_addr(sc, v);
}

static void push_names(struct scan *sc, struct docker_names *out)
{
	for (size_t i = 0; sc->name[0] && i < sc->n_addrs; i++) {
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n] = sc->addrs[i];
		out->v[out->n++].name = xstrdup(sc->name);
	}
	sc->name[0] = '\0';
	sc->n_addrs = 0;
}

static void on_open(struct scan *sc, char c)
{
	sc->depth++;
	if (sc->depth < MAX_DEPTH) {
		sc->type[sc->depth] = c;
		sc->key[sc->depth][0] = '\0';
	}
	if (sc->depth == 2 && c == '{') {
		sc->name[0] = '\0';
		sc->n_addrs = 0;
	}
}

static void on_close(struct scan *sc, char c, struct docker_names *out)
{
	if (sc->depth == 2 && c == '}' && sc->type[1] == '[')
		push_names(sc, out);
	sc->depth--;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

void docker_api_parse(const char *json, size_t len, struct docker_names *out)
{
	struct scan *sc = xcalloc(1, sizeof(*sc));
	const char *p = json, *end = json + len;
	char buf[256];

	while (p < end && sc->depth >= 0) {
		char c = *p++;

		if (c == '{' || c == '[') {
			on_open(sc, c);
		} else if (c == '}' || c == ']') {
			on_close(sc, c, out);
		} else if (c == '"') {
			p = skip_ws(read_string(p, end, buf, sizeof(buf)), end);
			if (p < end && *p == ':' && sc->depth > 0 &&
			    sc->depth < MAX_DEPTH) {
				snprintf(sc->key[sc->depth], KEY_LEN, "%s", buf);
				p++;
			} else {
				on_value(sc, buf);
			}
		}
	}
	free(sc);
}

/* ---- the socket ---- */

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

/* Waits for events on fd until the deadline: 0, or -ETIMEDOUT / -errno. */
static int wait_fd(int fd, short events, const struct timespec *deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	long ms = ms_left(deadline);
	int n;

	if (ms == 0)
		return -ETIMEDOUT;
	n = poll(&pfd, 1, (int)ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

static int open_sock(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int send_all(int fd, const char *s, size_t len, const struct timespec *dl)
{
	int err = 0;

	for (unsigned tries = 0; !err && len && tries < 1000; tries++) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n > 0) {
			s += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			err = wait_fd(fd, POLLOUT, dl);
		} else {
			err = n < 0 ? -errno : -EPIPE;
		}
	}
	return err ? err : len ? -ETIMEDOUT : 0;
}

/* Reads until the peer closes (HTTP/1.0), within the deadline. */
static int recv_all(int fd, struct strbuf *out, const struct timespec *dl)
{
	char buf[8192];
	int err = 0;

	while (!err) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n == 0)
			return 0;
		if (n > 0)
			sb_addn(out, buf, (size_t)n);
		if (n > 0 && out->len > MAX_REPLY)
			return -EFBIG;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n < 0)
			err = wait_fd(fd, POLLIN, dl);
	}
	return err;
}

/* The body of an HTTP "200" reply without chunked coding, or NULL. */
static const char *http_body(const struct strbuf *r)
{
	const char *s = sb_str(r), *body = strstr(s, "\r\n\r\n");
	size_t hlen = body ? (size_t)(body - s) : 0;
	char *head;
	bool chunked;

	if (!body || strncmp(s, "HTTP/1.", 7) || strlen(s) < 13 ||
	    strncmp(s + 8, " 200", 4))
		return NULL;
	head = xstrndup(s, hlen);
	for (char *p = head; *p; p++)
		*p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
	chunked = strstr(head, "\ntransfer-encoding: chunked") != NULL;
	free(head);
	return chunked ? NULL : body + 4;
}

int docker_api_query(const char *sock, int timeout_ms, struct docker_names *out)
{
	static const char req[] = "GET /containers/json HTTP/1.0\r\n"
				  "Host: docker\r\n\r\n";
	struct strbuf r = {0};
	struct timespec dl;
	const char *body;
	int fd, err;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	fd = sock ? open_sock(sock) : -ENOENT;
	if (fd < 0)
		return fd;
	err = send_all(fd, req, sizeof(req) - 1, &dl);
	if (!err)
		err = recv_all(fd, &r, &dl);
	close(fd);
	body = err ? NULL : http_body(&r);
	if (!err && !body)
		err = -EPROTO;
	if (!err)
		docker_api_parse(body, r.len - (size_t)(body - r.buf), out);
	sb_free(&r);
	return err;
}

const char *docker_names_find(const struct docker_names *n, int family,
			      const struct in6_addr *addr)
{
	size_t len = family == 6 ? 16 : 4;

	for (size_t i = 0; i < n->n; i++)
		if (n->v[i].family == family && !memcmp(&n->v[i].addr, addr, len))
			return n->v[i].name;
	return NULL;
}

void docker_names_free(struct docker_names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i].name);
	free(n->v);
	n->v = NULL;
	n->n = 0;
}
