/* Non-fuzzing driver for libFuzzer targets (the wget2 pattern).
 *
 * Linked into each tests/fuzz/fuzz-<input> when configure has no
 * --enable-fuzzing: it feeds every file of tests/fuzz/<name>.in/ (seeds) and
 * tests/fuzz/<name>.repro/ (inputs that once broke something) to
 * LLVMFuzzerTestOneInput, one TAP line per folder. Files given as arguments
 * are replayed instead. A crash or sanitizer report fails the test. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, alloc = 0;

	if (f == NULL)
		return -1;
	for (;;) {
		if (len == alloc) {
			uint8_t *p;

			alloc = alloc ? alloc * 2 : 65536;
			p = realloc(data, alloc);
			if (p == NULL) {
				free(data);
				fclose(f);
				return -1;
			}
			data = p;
		}
		size_t n = fread(data + len, 1, alloc - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	/* exact-size copy so ASan catches reads past the input */
	uint8_t *exact = malloc(len ? len : 1);
	if (exact == NULL) {
		free(data);
		return -1;
	}
	if (len)
		memcpy(exact, data, len);
	free(data);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static int run_dir(const char *dir, int *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	*count = 0;
	if (d == NULL)
		return 0; /* a folder may not exist yet (no reproducers) */
	while ((e = readdir(d)) != NULL) {
		char path[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (run_file(path) < 0) {
			printf("# cannot read %s\n", path);
			closedir(d);
			return -1;
		}
		(*count)++;
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	const char *name = strrchr(argv[0], '/');
	static const char *kinds[] = {"in", "repro"};
	int failed = 0;

	name = name ? name + 1 : argv[0];
	if (strncmp(name, "lt-", 3) == 0)
		name += 3;
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			int ok = run_file(argv[i]) == 0;
			printf("%sok %d - %s\n", ok ? "" : "not ", i, argv[i]);
			failed |= !ok;
		}
		printf("1..%d\n", argc - 1);
		return failed;
	}
	for (int k = 0; k < 2; k++) {
		char dir[4096];
		int count, ret;

		snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s.%s",
			 top ? top : ".", name, kinds[k]);
		ret = run_dir(dir, &count);
		printf("%sok %d - replayed %d inputs from %s.%s\n",
		       ret == 0 ? "" : "not ", k + 1, count, name, kinds[k]);
		failed |= ret != 0;
	}
	printf("1..2\n");
	return failed;
}
