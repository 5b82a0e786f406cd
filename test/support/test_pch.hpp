// SPDX-License-Identifier: BSL-1.0
// The precompiled header of every test executable (test/CMakeLists.txt): what nearly all of them
// include. Parsing these is about a third of a test file's compile time, paid once per build instead of
// once per file. Nothing here may depend on a macro a test defines.
#pragma once

#include "harness.hpp"

#include <wacht/emulator/server.hpp>
#include <wacht/wacht.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>
