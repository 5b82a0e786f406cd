# SPDX-License-Identifier: BSL-1.0
# Debian packages: `cpack -G DEB` in the build directory. One package per component:
#   libwacht-dev       headers, the library (static by default), CMake package, wacht.pc
#   libwacht<soversion> the shared library (only when built with BUILD_SHARED_LIBS=ON)
#   wacht-emulator     the emulator executable and its in-process library
#   libwacht-prometheus-dev the optional Prometheus adapter (only when prometheus-cpp was found)
# Dependencies are bookworm's package names.
set(CPACK_PACKAGE_NAME wacht)
set(CPACK_PACKAGE_VENDOR "wacht-cpp")
set(CPACK_PACKAGE_CONTACT "wacht-cpp maintainers <wacht-cpp@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_HOMEPAGE_URL "${PROJECT_HOMEPAGE_URL}")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME "libwacht${WACHT_SOVERSION}")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "libboost-json1.81.0, libboost-url1.81.0, libssl3")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "wacht-cpp shared library")

set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME libwacht-dev)
set(CPACK_COMPONENT_DEVELOPMENT_DESCRIPTION
    "wacht-cpp: headers, library, CMake package (find_package(wacht)) and pkg-config file (wacht.pc)")
# The headers include Boost.Asio, Beast and JSON and OpenSSL's, and the library links Boost.JSON,
# Boost.URL and OpenSSL: a consumer needs their development packages.
set(wacht_dev_depends "libboost1.81-dev, libboost-json1.81-dev, libboost-url1.81-dev, libssl-dev")
if(BUILD_SHARED_LIBS)
  string(PREPEND wacht_dev_depends "libwacht${WACHT_SOVERSION} (= ${PROJECT_VERSION}), ")
endif()
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS "${wacht_dev_depends}")

set(CPACK_DEBIAN_EMULATOR_PACKAGE_NAME wacht-emulator)
set(CPACK_DEBIAN_EMULATOR_PACKAGE_SECTION devel)
# The in-process library links wacht::wacht, so the emulator package needs the development package.
set(CPACK_DEBIAN_EMULATOR_PACKAGE_DEPENDS "libwacht-dev (= ${PROJECT_VERSION}), libboost-json1.81.0, libboost-url1.81.0, libssl3")
set(CPACK_COMPONENT_EMULATOR_DESCRIPTION "wacht-emulator: the Wacht backend API on loopback, over HTTPS")

set(CPACK_DEBIAN_PROMETHEUS_PACKAGE_NAME libwacht-prometheus-dev)
set(CPACK_DEBIAN_PROMETHEUS_PACKAGE_DEPENDS "libwacht-dev (= ${PROJECT_VERSION}), prometheus-cpp-dev")
set(CPACK_COMPONENT_PROMETHEUS_DESCRIPTION
    "wacht-cpp: the Prometheus adapter (wacht::prometheus: call counts, latency histograms, pool gauges)")

# One package per component that has files: no runtime package when the library is static.
get_cmake_property(CPACK_COMPONENTS_ALL COMPONENTS)
if(NOT BUILD_SHARED_LIBS)
  list(REMOVE_ITEM CPACK_COMPONENTS_ALL runtime)
endif()

include(CPack)
