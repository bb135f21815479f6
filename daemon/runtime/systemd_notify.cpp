#include "daemon/runtime/systemd_notify.h"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <string>

#include <fmt/format.h>

namespace feedd {
namespace {

void notify(const std::string& message) {
  // Failure to notify is not fatal: systemd will time out and say so itself.
  sd_notify(0, message.c_str());
}

std::uint64_t monotonic_usec() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1000000u + static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
}

}  // namespace

void SystemdNotifier::ready() const { notify("READY=1"); }

// MONOTONIC_USEC lets newer systemd (253+) match the reload to this message.
void SystemdNotifier::reloading() const { notify(fmt::format("RELOADING=1\nMONOTONIC_USEC={}", monotonic_usec())); }

void SystemdNotifier::stopping() const { notify("STOPPING=1"); }

void SystemdNotifier::watchdog() const { notify("WATCHDOG=1"); }

void SystemdNotifier::status(std::string_view line) const { notify(fmt::format("STATUS={}", line)); }

std::optional<std::chrono::microseconds> SystemdNotifier::watchdog_period() const {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

}  // namespace feedd
