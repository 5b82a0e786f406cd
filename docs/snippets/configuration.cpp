// SPDX-License-Identifier: BSL-1.0
// docs/configuration.md: client_options in code and from the environment.
#include <wacht/wacht.hpp>

#include <iostream>

wacht::client_options options_in_code()
{
    wacht::client_options options;
    options.api_key = "wk_live_...";
    options.base_url = "https://api.wacht.dev";
    options.timeouts.connect = std::chrono::seconds(2);
    options.timeouts.call_deadline = std::chrono::seconds(10);
    options.pool.max_connections = 16;
    options.pool.idle_timeout = std::chrono::seconds(20);
    options.tls.ca_file = "/etc/ssl/certs/my-proxy-ca.pem"; // trusted besides the system roots
    options.retry.max_attempts = 4;
    options.user_agent_extra = "gateway/2.1";
    options.logger = [](wacht::log_level level, std::string_view line) {
        if (level >= wacht::log_level::warning)
            std::clog << line << '\n'; // never contains the API key
    };
    return options;
}

wacht::client_options options_from_environment()
{
    // WACHT_API_KEY, WACHT_API_URL and WACHT_CA_FILE; the rest keeps its defaults.
    wacht::client_options options = wacht::client_options::from_env();
    options.pool.max_connections = 8;
    return options;
}
