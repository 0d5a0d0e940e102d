# find_package(sgdlab): the imported target sgdlab::sgdlab (libsgdlab.so with include/sgdlab/).
# The dependencies are linked into libsgdlab.so itself; public headers need only <cjson/cJSON.h>
# (report.h), which Debian installs in the default include path.
include("${CMAKE_CURRENT_LIST_DIR}/sgdlabTargets.cmake")
set(sgdlab_LIBRARIES sgdlab::sgdlab)
