# SPDX-License-Identifier: BSL-1.0
# Install rules, the CMake package (find_package(wacht)), wacht.pc and the Debian packages (CPack).
#
# Components: `runtime` (libwacht.so.*, shared builds only), `development` (headers, libwacht.a or the
# .so link, the CMake package, wacht.pc), `emulator` (wacht::emulator, the wacht-emulator executable
# and their export file wacht-emulator-targets.cmake, which wachtConfig.cmake includes when present)
# and `prometheus` (the optional wacht::prometheus adapter, its header and wacht-prometheus-targets.cmake,
# only when prometheus-cpp was found).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(WACHT_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/wacht")

install(TARGETS wacht
  EXPORT wacht-targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT development
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/wacht "${WACHT_GENERATED_INCLUDE_DIR}/wacht"
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT development
  FILES_MATCHING PATTERN "*.hpp"
  PATTERN "prometheus.hpp" EXCLUDE) # the adapter's header belongs to its own component

install(EXPORT wacht-targets
  NAMESPACE wacht::
  FILE wacht-targets.cmake
  DESTINATION ${WACHT_CMAKE_DIR}
  COMPONENT development)
if(TARGET wacht_emulator)
  install(EXPORT wacht-emulator-targets
    NAMESPACE wacht::
    FILE wacht-emulator-targets.cmake
    DESTINATION ${WACHT_CMAKE_DIR}
    COMPONENT emulator)
endif()
if(TARGET wacht_prometheus)
  install(TARGETS wacht_prometheus
    EXPORT wacht-prometheus-targets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT prometheus
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT prometheus
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT prometheus
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(FILES include/wacht/prometheus.hpp
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wacht
    COMPONENT prometheus)
  install(EXPORT wacht-prometheus-targets
    NAMESPACE wacht::
    FILE wacht-prometheus-targets.cmake
    DESTINATION ${WACHT_CMAKE_DIR}
    COMPONENT prometheus)
endif()
configure_package_config_file(cmake/wachtConfig.cmake.in "${PROJECT_BINARY_DIR}/wachtConfig.cmake"
  INSTALL_DESTINATION ${WACHT_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/wachtConfigVersion.cmake"
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/wachtConfig.cmake" "${PROJECT_BINARY_DIR}/wachtConfigVersion.cmake"
  DESTINATION ${WACHT_CMAKE_DIR}
  COMPONENT development)

# pkg-config: a static libwacht needs its dependencies on every link line, a shared one only its own.
if(BUILD_SHARED_LIBS)
  set(WACHT_PC_REQUIRES "Requires.private: openssl")
  set(WACHT_PC_LIBS "-L\${libdir} -lwacht")
  set(WACHT_PC_LIBS_PRIVATE "Libs.private: -lboost_json -lboost_url -pthread")
else()
  set(WACHT_PC_REQUIRES "Requires: openssl")
  set(WACHT_PC_LIBS "-L\${libdir} -lwacht -lboost_json -lboost_url -pthread")
  set(WACHT_PC_LIBS_PRIVATE "")
endif()
file(RELATIVE_PATH WACHT_PC_PREFIX_FROM_PCDIR "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" WACHT_PC_PREFIX_FROM_PCDIR "${WACHT_PC_PREFIX_FROM_PCDIR}")
configure_file(cmake/wacht.pc.in "${PROJECT_BINARY_DIR}/wacht.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/wacht.pc"
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT development)
install(FILES LICENSE CHANGELOG.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR}
  COMPONENT development)

include(cmake/cpack.cmake)
