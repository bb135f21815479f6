// What `feedd run` does for the commands that reach it on its control socket
// (daemon/runtime/control_socket.h): rebuild, reprocess and forget run as slices on
// the pipeline's writer, between polls' writes; poll asks the scheduler for
// an immediate poll; status reports the schedule as it stands.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "daemon/runtime/control_socket.h"
#include "daemon/runtime/pipeline/ingest.h"
#include "daemon/runtime/scheduler.h"

namespace feedd {

class AdminService {
 public:
  // `config` is the daemon's current config (replaced on reload); it is read
  // on the io_context's thread only. All three must outlive the service.
  AdminService(Pipeline& pipeline, Scheduler& scheduler, const config::Config& config);

  // REQUIRES: called on the io_context's thread.
  void handle(const nlohmann::json& request, std::shared_ptr<ControlSession> session);

  // No new work from now on: requests are answered "stopping".
  void stop() { stopping_ = true; }

 private:
  struct RunningJob;
  void start_job(const std::string& command, const nlohmann::json& request, std::shared_ptr<ControlSession> session);
  void run_slice(const std::shared_ptr<RunningJob>& running);
  void poll(const nlohmann::json& request, const std::shared_ptr<ControlSession>& session);
  void status(const std::shared_ptr<ControlSession>& session);

  Pipeline& pipeline_;
  Scheduler& scheduler_;
  const config::Config& config_;
  bool stopping_ = false;
};

}  // namespace feedd
