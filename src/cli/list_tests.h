/* --list-tests: the registry as a table, for the terminal or as the README's Markdown (the
 * README's test table is this output, checked by tests/readme_tests.sh). */
#ifndef TCPREQ_LIST_TESTS_H
#define TCPREQ_LIST_TESTS_H

#include <stdio.h>

enum list_format { LIST_TEXT = 0, LIST_MARKDOWN };

void list_tests(FILE *out, enum list_format format);

#endif
