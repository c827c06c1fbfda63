#include "err.h"

const char *tcpreq_strerror(int err)
{
    switch (err) {
    case TCPREQ_OK: return "success";
    case TCPREQ_ETRUNC: return "truncated input";
    case TCPREQ_EINVAL: return "invalid or inconsistent field";
    case TCPREQ_ENOSPC: return "no space left in buffer";
    case TCPREQ_EPROTO: return "unexpected protocol or message type";
    case TCPREQ_ENOMEM: return "out of memory";
    case TCPREQ_ESYS: return "system call failed";
    case TCPREQ_ENOTFOUND: return "not found";
    default: return "unknown error";
    }
}
