// SPDX-License-Identifier: BSL-1.0
// Umbrella header: everything a user of the SDK needs.
#pragma once

#include <wacht/client.hpp>
#include <wacht/error.hpp>
#include <wacht/export.hpp>
#include <wacht/identifiers.hpp>
#include <wacht/invitations.hpp>
#include <wacht/models/invitation.hpp>
#include <wacht/models/membership.hpp>
#include <wacht/models/mfa.hpp>
#include <wacht/models/passkey.hpp>
#include <wacht/models/session.hpp>
#include <wacht/models/user.hpp>
#include <wacht/options.hpp>
#include <wacht/pagination.hpp>
#include <wacht/request.hpp>
#include <wacht/sessions.hpp>
#include <wacht/timestamp.hpp>
#include <wacht/users.hpp>
#include <wacht/version.hpp>
