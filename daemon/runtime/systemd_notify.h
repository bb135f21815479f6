// The sd_notify protocol: how feedd tells systemd it is ready, reloading,
// stopping, alive (watchdog) and what it is doing (STATUS=). Every call is a
// no-op when feedd was not started by systemd (no NOTIFY_SOCKET).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace feedd {

class SystemdNotifier {
 public:
  void ready() const;
  void reloading() const;  // call ready() when the reload is done
  void stopping() const;
  void watchdog() const;
  void status(std::string_view line) const;

  // How often to send WATCHDOG=1 (half of WatchdogSec), when enabled.
  std::optional<std::chrono::microseconds> watchdog_period() const;
};

}  // namespace feedd
