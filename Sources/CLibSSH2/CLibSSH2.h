#ifndef EPCIS_CLIBSSH2_H
#define EPCIS_CLIBSSH2_H
#include <libssh2.h>
#include <libssh2_sftp.h>
#endif
