/* Error codes shared by every module: 0 is success, negative values are errors
 * (libuv style), and tcpreq_strerror() names them. */
#ifndef TCPREQ_ERR_H
#define TCPREQ_ERR_H

enum tcpreq_err {
    TCPREQ_OK = 0,
    TCPREQ_ETRUNC = -1,   /* input shorter than its own headers claim */
    TCPREQ_EINVAL = -2,   /* a field value is inconsistent or illegal */
    TCPREQ_ENOSPC = -3,   /* output buffer or fixed-size list too small */
    TCPREQ_EPROTO = -4,   /* not the protocol/message type asked for */
    TCPREQ_ENOMEM = -5,   /* allocation failed */
    TCPREQ_ESYS = -6,     /* a system call failed (see errno) */
    TCPREQ_ENOTFOUND = -7 /* lookup found nothing */
};

const char *tcpreq_strerror(int err);

#endif
