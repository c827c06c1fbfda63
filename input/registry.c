/* The input formats: adding one is a file exporting a struct input_format and a line here. */
#include <string.h>

#include "input/input.h"

extern const struct input_format input_jsonl, input_zmap, input_nmap;

const struct input_format *const input_formats[] = {
    &input_jsonl,
    &input_zmap,
    &input_nmap,
};
const size_t input_format_count = sizeof(input_formats) / sizeof(input_formats[0]);

const struct input_format *input_format_by_option(const char *name)
{
    for (size_t i = 0; i < input_format_count; i++)
        if (strcmp(input_formats[i]->option, name) == 0)
            return input_formats[i];
    return NULL;
}
