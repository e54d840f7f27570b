// tests/support is header-mostly; this TU gives the static library a body.
#include <agentroute_test/run_co.hpp>
#include <agentroute_test/temp_dir.hpp>
