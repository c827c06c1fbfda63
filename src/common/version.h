/* tcpreq's version (CMake's project version) and the git revision it was built from
 * ("unknown" outside a git checkout), for --version. Defined in a file the build generates
 * (cmake/version.cmake), linked into the program only. */
#ifndef TCPREQ_VERSION_H
#define TCPREQ_VERSION_H

extern const char tcpreq_version[];
extern const char tcpreq_revision[];

#endif
