# SPDX-License-Identifier: BSL-1.0
# A project that adds wacht-cpp as a subproject gets the library and nothing else of it.
foreach(target wacht_unit_tests wacht_test_main wacht_emulator wacht-emulator wacht_quickstart wacht_bench_calls)
  if(TARGET ${target})
    message(FATAL_ERROR "wacht-cpp as a subproject defines ${target}: only the library should be built")
  endif()
endforeach()
if(NOT TARGET wacht::wacht)
  message(FATAL_ERROR "wacht-cpp as a subproject does not define wacht::wacht")
endif()
