// A real HTTP/1.1 server on loopback for tests (Boost.Beast), on its own
// thread. Routes are registered per path; anything else is 404. Bounded: it
// stops when destroyed, and refuses to bind anything but loopback.
#pragma once
// (implemented by the HTTP helper; see http_test_server.cpp)
