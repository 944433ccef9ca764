#include "CGatewayShims.h"
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/xmlmemory.h>
#include <libxml/parser.h>

void CGatewayShims_xmlFree(void *pointer) { xmlFree(pointer); }
const char *CGatewayShims_xmlParserVersion(void) { return xmlParserVersion; }
