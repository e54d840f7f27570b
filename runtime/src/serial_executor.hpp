#pragma once

#include <boost/asio/any_io_executor.hpp>

namespace agentroute::detail {

/// An executor that runs one handler at a time: `executor` itself when it is a strand, or an
/// io_context created for one thread (concurrency hint 1, which Asio itself takes at its
/// word), saving a strand's dispatch on every completion; else a new strand of it.
boost::asio::any_io_executor one_at_a_time(boost::asio::any_io_executor executor);

}  // namespace agentroute::detail
