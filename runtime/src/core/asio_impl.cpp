// The one translation unit that compiles Asio's implementation (BOOST_ASIO_SEPARATE_COMPILATION
// is a public definition of agentroute_core, so every other TU only declares it).
#include <boost/asio/impl/src.hpp>
