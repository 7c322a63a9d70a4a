#ifndef CCAIRO_SHIM_H
#define CCAIRO_SHIM_H
// cairo: PDF surfaces and UTF-8 text, for the documents the portal generates.
#include <cairo.h>
#include <cairo-pdf.h>
#endif
