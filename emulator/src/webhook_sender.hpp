// SPDX-License-Identifier: BSL-1.0
// The emulator's webhook worker: takes due attempts from the api's outbox, POSTs them over plain HTTP
// with its own small Beast client, and reports each outcome back. Private to the emulator.
#pragma once

#include "wacht/emulator/api.hpp"

#include <memory>

namespace wacht::emulator {

/// Runs on a thread of its own from construction until stop() (idempotent) or destruction. The api
/// must outlive it. Wakes when a delivery is queued, and at least every 100 ms so that a moved clock
/// makes retries due without a call.
class webhook_sender
{
public:
    explicit webhook_sender(api& backend);
    ~webhook_sender();
    webhook_sender(const webhook_sender&) = delete;
    webhook_sender& operator=(const webhook_sender&) = delete;
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace wacht::emulator
