#pragma once

#include <boost/asio/any_io_executor.hpp>

namespace agentroute::detail {

/// An executor that runs one handler at a time: `executor` itself when it is a strand, or an
/// io_context created for one thread (concurrency hint 1, which Asio itself takes at its
/// word), saving a strand's dispatch on every completion; else `new_strand(executor)`.
boost::asio::any_io_executor one_at_a_time(boost::asio::any_io_executor executor);

/// A new strand on `executor`. On an io_context it is a strand of the io_context's own executor
/// type, which fits inside any_io_executor: copying it allocates nothing, where a
/// strand<any_io_executor> puts every copy made from it, and every work-tracking variant of it,
/// in a heap block of its own (1.2 KB an open stream in `serve`).
boost::asio::any_io_executor new_strand(boost::asio::any_io_executor executor);

}  // namespace agentroute::detail
