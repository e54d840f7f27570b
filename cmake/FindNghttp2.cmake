# FindNghttp2: the nghttp2 C library (Debian: libnghttp2-dev) as the imported target
# Nghttp2::nghttp2. Installed with the package, so that a consumer of the static libraries
# finds nghttp2 where its own system keeps it, instead of a path baked in at build time.
find_path(Nghttp2_INCLUDE_DIR nghttp2/nghttp2.h)
find_library(Nghttp2_LIBRARY nghttp2)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Nghttp2 REQUIRED_VARS Nghttp2_LIBRARY Nghttp2_INCLUDE_DIR)
if(Nghttp2_FOUND AND NOT TARGET Nghttp2::nghttp2)
    add_library(Nghttp2::nghttp2 UNKNOWN IMPORTED)
    set_target_properties(Nghttp2::nghttp2 PROPERTIES
        IMPORTED_LOCATION "${Nghttp2_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${Nghttp2_INCLUDE_DIR}")
endif()
mark_as_advanced(Nghttp2_INCLUDE_DIR Nghttp2_LIBRARY)
