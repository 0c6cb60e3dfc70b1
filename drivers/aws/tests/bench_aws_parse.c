/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_aws_parse.c - CPU time the driver spends on DescribeInstances
 * pages: parse each page (the capped, entity-less reader) and turn every
 * instance into its VMInfo, as GET /spider/vm does.  Used by bench/aws.sh:
 *   bench_aws_parse PAGE.xml N   ->  one line of JSON
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "util/macros.h"

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	sp_session s = { .region = (char *)"us-east-1" };
	size_t len, instances = 0;
	long n, size;
	double t0;

	if (argc != 3 || !(f = fopen(argv[1], "rb")) || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: bench_aws_parse PAGE.xml N\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	if (size <= 0 || !(buf = malloc((size_t)size)) || fread(buf, 1, (size_t)size, f) != (size_t)size)
		return 1;
	len = (size_t)size;
	xmlInitParser();
	t0 = cpu_s();
	for (long i = 0; i < n; i++) {
		_cleanup_xml_ xmlDoc *doc = NULL;
		sp_error err;

		if (aws_xml_parse(buf, len, &doc, &err) < 0) {
			fprintf(stderr, "bench_aws_parse: %s\n", err.message);
			return 1;
		}
		for (xmlNode *r = aws_xml_items(xmlDocGetRootElement(doc), "reservationSet"); r; r = aws_xml_next(r))
			for (xmlNode *it = aws_xml_items(r, "instancesSet"); it; it = aws_xml_next(it)) {
				json_t *info = aws_vm_info(&s, it, NULL);

				if (!info)
					return 1;
				json_decref(info);
				instances++;
			}
	}
	printf("{\"pages\":%ld,\"bytes_per_page\":%zu,\"instances\":%zu,\"cpu_s\":%.6f}\n",
	       n, len, instances, cpu_s() - t0);
	return 0;
}
