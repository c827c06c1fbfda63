/* `tcpreq summary`: the subcommand's entry point (main dispatches on argv[1]). */
#ifndef TCPREQ_SUMMARY_CMD_H
#define TCPREQ_SUMMARY_CMD_H

/* argv[0] is "summary". Exit code: 0; 1 when a dataset cannot be read or the report not
 * written; 2 for usage errors. */
int summary_main(int argc, char **argv);

#endif
