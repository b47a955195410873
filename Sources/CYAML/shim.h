#ifndef HEADROOM_CYAML_SHIM_H
#define HEADROOM_CYAML_SHIM_H
#include <yaml.h>
#endif
