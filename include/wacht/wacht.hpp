// Umbrella header: everything a user of the SDK needs.
#pragma once

#include <wacht/client.hpp>
#include <wacht/error.hpp>
#include <wacht/models/user.hpp>
#include <wacht/options.hpp>
#include <wacht/request.hpp>
#include <wacht/timestamp.hpp>
#include <wacht/users.hpp>
