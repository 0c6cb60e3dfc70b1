/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay_main.c - run a fuzz target once over saved inputs, without
 * libFuzzer: "fuzz_replay_<target> DIR|FILE...".  Each directory's regular
 * files run in name order, so a failure is reproducible.  Every input
 * gets a buffer of exactly its size, so a read past the end is caught by
 * AddressSanitizer as it would be under libFuzzer.
 *
 * Exit 0 when all ran, 1 when an input could not be read or there was
 * none (an empty corpus is a broken test, not a pass).  A failing check
 * in the target aborts.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Read the whole file at path into a malloc'd buffer of its exact size. */
static int read_input(const char *path, uint8_t **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ uint8_t *buf = NULL;
	struct stat st;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "replay: cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	/* Exactly the file's size (an empty file still gets a pointer). */
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (!buf) {
		fprintf(stderr, "replay: '%s': out of memory\n", path);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "replay: cannot read '%s': %s\n", path,
				n < 0 ? strerror(errno) : "file shrank");
			return -1;
		}
		got += (size_t)n;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = got;
	return 0;
}

static int run_file(const char *path, size_t *count)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t len;

	if (read_input(path, &data, &len) < 0)
		return -1;
	/* As libFuzzer does: a crash report then names its input. */
	fprintf(stderr, "Running: %s\n", path);
	LLVMFuzzerTestOneInput(data, len);
	(*count)++;
	return 0;
}

static int run_dir(const char *dir, size_t *count)
{
	struct dirent **names = NULL;
	int n, status = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: cannot list '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *path = NULL;
		struct stat st;

		if (names[i]->d_name[0] != '.' &&
		    asprintf(&path, "%s/%s", dir, names[i]->d_name) >= 0 &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    run_file(path, count) < 0)
			status = -1;
		free(names[i]);
	}
	free(names);
	return status;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: cannot read '%s': %s\n", argv[i],
				strerror(errno));
			status = -1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) < 0)
				status = -1;
		} else if (run_file(argv[i], &count) < 0) {
			status = -1;
		}
	}
	printf("replayed %zu inputs\n", count);
	if (count == 0) {
		fprintf(stderr, "replay: no inputs found\n");
		return 1;
	}
	return status < 0 ? 1 : 0;
}
