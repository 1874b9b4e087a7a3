/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_docker_api: the JSON scan of a /containers/json body, and the query
 * against a real AF_UNIX listener serving our bytes (a forked child): names,
 * a silent server (timeout), a non-200 reply, no socket, $DOCKER_HOST. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "docker_api.h"

/* Shaped as dockerd 20-29 answers (trimmed): two containers on bridge. */
static const char body[] =
    "[{\"Id\":\"8dfafdbc3a40\",\"Names\":[\"/web\",\"/other/alias\"],"
    "\"Image\":\"nginx\",\"Command\":\"nginx -g 'daemon off;'\","
    "\"Labels\":{\"a\\\"b\":\"c]}\"},\"Ports\":[{\"IP\":\"0.0.0.0\","
    "\"PrivatePort\":80,\"PublicPort\":8080,\"Type\":\"tcp\"}],"
    "\"NetworkSettings\":{\"Networks\":{\"bridge\":{\"IPAMConfig\":null,"
    "\"IPAddress\":\"172.17.0.2\",\"IPPrefixLen\":16,\"IPv6Gateway\":\"\","
    "\"GlobalIPv6Address\":\"2001:db8:1::2\",\"MacAddress\":\"02:42:ac:11:00:02\"}}}},\n"
    " {\"Id\":\"aa\",\"Names\":[\"/db\"],\"NetworkSettings\":{\"Networks\":"
    "{\"net1\":{\"IPAddress\":\"203.0.113.2\",\"GlobalIPv6Address\":\"\"},"
    "\"none\":{\"IPAddress\":\"\"}}}},"
    " {\"Id\":\"bb\",\"Names\":[],\"NetworkSettings\":{\"Networks\":"
    "{\"bridge\":{\"IPAddress\":\"172.17.0.9\"}}}}]";

static const char *find4(const struct docker_names *n, const char *a)
{
	struct in6_addr x = {0};

	assert_int_equal(inet_pton(AF_INET, a, &x), 1);
	return docker_names_find(n, 4, &x);
}

static void test_parse(void **state)
{
	struct docker_names n = {0};
	struct in6_addr x = {0};

	(void)state;
	docker_api_parse(body, sizeof(body) - 1, &n);
	assert_int_equal(n.n, 3);
	assert_string_equal(find4(&n, "172.17.0.2"), "web");
	assert_string_equal(find4(&n, "203.0.113.2"), "db");
	assert_null(find4(&n, "172.17.0.9")); /* no name */
	assert_null(find4(&n, "0.0.0.0"));    /* a port's IP, not an address */
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1::2", &x), 1);
	assert_string_equal(docker_names_find(&n, 6, &x), "web");
	docker_names_free(&n);
}

static void test_parse_garbage(void **state)
{
	static const char *const bad[] = {
	    "",
	    "[",
	    "]]]]{",
	    "{\"Names\":[\"/x\"],\"IPAddress\":\"1.2.3.4\"}",
	    "[{\"Names\":[\"/x\"],\"IPAddress\":\"1.2.3.4",
	    "[{\"Names\":\"\\",
	    "[{\"Names\":[\"/x\"],\"IPAddress\":\"999.1.1.1\"}]"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct docker_names n = {0};

		docker_api_parse(bad[i], strlen(bad[i]), &n);
		assert_int_equal(n.n, 0);
		docker_names_free(&n);
	}
}

struct server {
	char dir[64];
	char path[128];
	pid_t pid;
};

/* Listens on a fresh socket; the child answers one connection with reply
 * (after reading the request), or never answers when reply is NULL. */
static void serve(struct server *sv, const char *reply)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	strcpy(sv->dir, "/tmp/test_docker_api.XXXXXX");
	assert_non_null(mkdtemp(sv->dir));
	snprintf(sv->path, sizeof(sv->path), "%s/docker.sock", sv->dir);
	strcpy(sa.sun_path, sv->path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	sv->pid = fork();
	assert_true(sv->pid >= 0);
	if (sv->pid == 0) {
		char req[512];
		int c = (alarm(5), accept(fd, NULL, NULL)); /* bounded if orphaned */
		ssize_t n = c < 0 ? -1 : read(c, req, sizeof(req) - 1);

		if (n > 0 && reply) {
			req[n] = '\0';
			if (strncmp(req, "GET /containers/json HTTP/1.0\r\n", 31) == 0 &&
			    write(c, reply, strlen(reply)) != (ssize_t)strlen(reply))
				_exit(1);
		}
		if (!reply)
			pause();
		_exit(0);
	}
	close(fd);
}

static void unserve(struct server *sv)
{
	kill(sv->pid, SIGKILL);
	waitpid(sv->pid, NULL, 0);
	unlink(sv->path);
	rmdir(sv->dir);
}

static void test_query(void **state)
{
	struct server sv;
	struct docker_names n = {0};
	char *reply = NULL;

	(void)state;
	assert_true(asprintf(&reply,
			     "HTTP/1.0 200 OK\r\nApi-Version: 1.52\r\n"
			     "Content-Type: application/json\r\n\r\n%s\n",
			     body) > 0);
	serve(&sv, reply);
	assert_int_equal(docker_api_query(sv.path, 2000, &n), 0);
	assert_int_equal(n.n, 3);
	assert_string_equal(find4(&n, "203.0.113.2"), "db");
	docker_names_free(&n);
	unserve(&sv);
	free(reply);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void test_silent_server(void **state)
{
	struct server sv;
	struct docker_names n = {0};
	struct timespec t0;

	(void)state;
	serve(&sv, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(docker_api_query(sv.path, 200, &n), -ETIMEDOUT);
	assert_true(elapsed_ms(&t0) >= 150 && elapsed_ms(&t0) < 1500);
	assert_int_equal(n.n, 0);
	unserve(&sv);
}

static void test_bad_replies(void **state)
{
	static const char not_found[] =
	    "HTTP/1.0 404 Not Found\r\n\r\n"
	    "[{\"Names\":[\"/x\"],\"IPAddress\":\"1.2.3.4\"}]";
	static const char *const replies[] = {
	    not_found,
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n[{}]\r\n0\r\n\r\n",
	    "garbage", ""};

	(void)state;
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		struct server sv;
		struct docker_names n = {0};

		serve(&sv, replies[i]);
		assert_int_equal(docker_api_query(sv.path, 2000, &n), -EPROTO);
		assert_int_equal(n.n, 0);
		unserve(&sv);
	}
}

static void test_no_socket(void **state)
{
	struct docker_names n = {0};

	(void)state;
	assert_true(docker_api_query("/nonexistent/docker.sock", 200, &n) < 0);
	assert_true(docker_api_query(NULL, 200, &n) < 0);
	assert_int_equal(n.n, 0);
}

static void test_socket_path(void **state)
{
	(void)state;
	unsetenv("DOCKER_HOST");
	assert_string_equal(docker_api_socket(), "/run/docker.sock");
	setenv("DOCKER_HOST", "unix:///run/bed/docker.sock", 1);
	assert_string_equal(docker_api_socket(), "/run/bed/docker.sock");
	setenv("DOCKER_HOST", "tcp://192.0.2.1:2375", 1);
	assert_null(docker_api_socket());
	setenv("DOCKER_HOST", "unix://", 1);
	assert_null(docker_api_socket());
	unsetenv("DOCKER_HOST");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),	cmocka_unit_test(test_parse_garbage),
	    cmocka_unit_test(test_query),	cmocka_unit_test(test_silent_server),
	    cmocka_unit_test(test_bad_replies), cmocka_unit_test(test_no_socket),
	    cmocka_unit_test(test_socket_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
