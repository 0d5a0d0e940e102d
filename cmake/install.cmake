# The installable sgdlab: libsgdlab.so (one shared library made of the objects of the static layers
# and of the CLI's commands, so C and Python callers get the numbers of the sgdlab binary), the
# public headers, the binary, sgdlab.pc for pkg-config, a CMake package (find_package(sgdlab) ->
# target sgdlab::sgdlab), the Python package, and a .deb by CPack (`make deb`).
# It builds nothing the static layers and the binary need; they do not depend on it.
include(GNUInstallDirs)

# --- libsgdlab.so: the static layers and the CLI part, whole, in one shared library ----------------
set(SGDL_SHARED_PARTS sgdlab_cli_part sgdl_study sgdl_exact sgdl_pde sgdl_nn sgdl_ensemble sgdl_dynamics
    sgdl_problem sgdl_linalg sgdl_rng sgdl_report sgdl_core)
# Its own source is the in-process entry point (include/sgdlab/run.h); the rest comes whole from
# the static parts.
add_library(sgdlab_shared SHARED ${CMAKE_SOURCE_DIR}/src/cli/run_json.c)
target_include_directories(sgdlab_shared PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_compile_options(sgdlab_shared PRIVATE ${SGDL_WARN} ${SGDL_PIC_FLAGS})
target_link_libraries(sgdlab_shared PRIVATE -Wl,--whole-archive ${SGDL_SHARED_PARTS} -Wl,--no-whole-archive
                      -Wl,--no-undefined)
target_include_directories(sgdlab_shared PUBLIC $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>
                           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
set_target_properties(sgdlab_shared PROPERTIES OUTPUT_NAME sgdlab EXPORT_NAME sgdlab
                      VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})

# --- install ---------------------------------------------------------------------------------------
install(TARGETS sgdlab_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS sgdlab_shared EXPORT sgdlabTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Unspecified)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/sgdlab DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")

# pkg-config: the prefix is found from the .pc file's own place, so the file is right wherever the
# tree is installed (make install PREFIX=..., the .deb's /usr).
file(RELATIVE_PATH SGDL_PC_UP ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" SGDL_PC_UP "${SGDL_PC_UP}")
configure_file(${CMAKE_SOURCE_DIR}/cmake/sgdlab.pc.in ${CMAKE_BINARY_DIR}/sgdlab.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/sgdlab.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# CMake package: find_package(sgdlab) gives the imported target sgdlab::sgdlab.
set(SGDL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sgdlab)
install(EXPORT sgdlabTargets NAMESPACE sgdlab:: DESTINATION ${SGDL_CMAKE_DIR})
include(CMakePackageConfigHelpers)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/sgdlabConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_SOURCE_DIR}/cmake/sgdlabConfig.cmake ${CMAKE_BINARY_DIR}/sgdlabConfigVersion.cmake
        DESTINATION ${SGDL_CMAKE_DIR})

# Python: the package, and where it finds the library relative to itself once installed.
set(SGDL_PYTHON_DIR lib/python3/dist-packages CACHE STRING
    "where `make install` puts the Python package, relative to the prefix (Debian's python3 reads /usr/lib/python3/dist-packages)")
file(RELATIVE_PATH SGDL_PY_TO_LIB ${CMAKE_INSTALL_PREFIX}/${SGDL_PYTHON_DIR}/sgdlab ${CMAKE_INSTALL_FULL_LIBDIR})
configure_file(${CMAKE_SOURCE_DIR}/cmake/installed.py.in ${CMAKE_BINARY_DIR}/python/_installed.py @ONLY)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/python/sgdlab DESTINATION ${SGDL_PYTHON_DIR}
        PATTERN "__pycache__" EXCLUDE PATTERN "*.pyc" EXCLUDE)
install(FILES ${CMAKE_BINARY_DIR}/python/_installed.py DESTINATION ${SGDL_PYTHON_DIR}/sgdlab)

# --- .deb (cd build && cpack -G DEB, or make deb) ---------------------------------------------------
set(CPACK_PACKAGE_NAME sgdlab)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "sgdlab maintainers <sgdlab@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SGD side by side with its SDE models: library, CLI and Python package")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends: dpkg-shlibdeps reads what the binary and libsgdlab.so link (libopenblas0, liblapacke3,
# libumfpack5, libopenmpi3, libcjson1, zlib1g, libgomp1, libc6 on Debian 12) and writes the
# versioned Depends itself; a hand-kept list went stale whenever the build found another library.
# GENERATE_SHLIBS writes the shlibs file and, as libsgdlab.so.0 lies in /usr/lib, the postinst and
# postrm that run ldconfig (tests/deb_install.sh checks the round trip).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnuplot-nox, python3, python3-numpy")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-matplotlib, python3-pandas, python3-tqdm")
include(CPack)
