/* `tcpreq analyze`: the subcommand's entry point (main dispatches on argv[1]). */
#ifndef TCPREQ_ANALYZE_CMD_H
#define TCPREQ_ANALYZE_CMD_H

/* argv[0] is "analyze". Exit code: 0, 1 (unreadable, truncated or corrupt capture: the
 * flows read before the error are reported; or -Y matched nothing; or output failed),
 * 2 (usage). */
int analyze_main(int argc, char **argv);

#endif
