#ifndef EPCIS_CLIBXML2_H
#define EPCIS_CLIBXML2_H
/* Debian builds libxml2 with ICU, so <libxml/encoding.h> would pull in the system
 * <unicode/ucnv.h>, whose `UErrorCode` clashes with the toolchain's _FoundationICU in any
 * Swift file that also sees Foundation. Nothing here needs ICU types, so drop the flag
 * right after xmlversion.h and before any other libxml header. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlwriter.h>
#endif
