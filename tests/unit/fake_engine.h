/* A fake engine for unit tests: drives a test-case instance with synthetic segments and
 * a clock moved by hand, and inspects the actions it queued. */
#ifndef TCPREQ_FAKE_ENGINE_H
#define TCPREQ_FAKE_ENGINE_H

#endif
