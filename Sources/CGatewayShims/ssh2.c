#include "CGatewayShims.h"

LIBSSH2_SESSION *CGatewayShims_libssh2_session_init(void) { return libssh2_session_init(); }
