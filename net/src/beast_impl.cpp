// The TU that compiles Beast's and Asio-SSL's implementation (BOOST_BEAST_SEPARATE_COMPILATION
// and BOOST_ASIO_SEPARATE_COMPILATION are public definitions of agentroute_core).
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
