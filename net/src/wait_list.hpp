#pragma once

// Coroutines waiting for a shared resource (a pool slot, a handshake turn) that another thread
// frees. The decision to wait and the registration in the list happen under the owner's lock,
// inside the wait's initiation, so a wake-up between the two cannot be lost.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/intrusive/list.hpp>

#include <chrono>
#include <mutex>

namespace agentroute::net::detail {

// A waiter is linked into at most one list, by the hook inside it: joining and leaving a list
// allocate nothing and take constant time, and an empty list is three pointers (a std::deque
// allocated 600 bytes up front, for every HTTP/2 stream). The hook, read under the owner's
// lock, also says whether the waiter is still listed.
struct Waiter : boost::intrusive::list_base_hook<> {
    explicit Waiter(const boost::asio::any_io_executor& executor)
        : timer(executor, std::chrono::steady_clock::time_point::max()) {}
    boost::asio::steady_timer timer;
};
using WaitList = boost::intrusive::list<Waiter>;

/// Takes the first waiter off `list` and wakes it: its wait completes on its own executor.
/// Call with the owner's lock held. Every use of a waiter's timer (the wait, a deadline, this
/// cancel) is under that lock, so the cancel needs no hop to the waiter's executor; and a
/// listed waiter is alive (it leaves its list, under the lock, before it goes).
inline void wake_one(WaitList& list) {
    if (list.empty()) return;
    Waiter& waiter = list.front();
    list.pop_front();
    waiter.timer.cancel();
}
inline void wake_all(WaitList& list) {
    while (!list.empty()) wake_one(list);
}

/// Asks `decide` once, under `mutex`, without waiting: true when it admits the caller. A
/// caller that is usually admitted at once calls this first and skips the wait's coroutine.
template <class Decide>
bool admitted_now(std::mutex& mutex, Decide& decide) {
    std::lock_guard lock(mutex);
    return decide(nullptr) == nullptr;
}

/// Returns once `decide` admits the caller. `decide(Waiter*)` runs under `mutex` and returns
/// null to admit, or the list to wait in; given a waiter (it is null when only asked), it may
/// set the waiter's deadline. After a wake-up or the deadline it is asked again. Cancellation
/// ends a wait like a wake-up, and the waiter always leaves its list.
template <class Decide>
boost::asio::awaitable<void> wait_until_admitted(std::mutex& mutex, Decide decide) {
    namespace asio = boost::asio;
    if (admitted_now(mutex, decide)) co_return;
    auto executor = co_await asio::this_coro::executor;
    for (;;) {
        // Nothing outside this coroutine holds the waiter once it is off its list, and it
        // leaves its list (under the lock) before it goes: it lives in the frame.
        Waiter waiter(executor);
        WaitList* list = nullptr;
        bool admitted = false;
        struct Unlist {
            std::mutex& mutex;
            WaitList*& list;
            Waiter& waiter;
            ~Unlist() {
                std::lock_guard lock(mutex);
                // A woken waiter is off the list already.
                if (list != nullptr && waiter.is_linked()) list->erase(list->iterator_to(waiter));
            }
        } unlist{mutex, list, waiter};
        auto initiation = [&](auto handler) {
            std::lock_guard lock(mutex);
            list = decide(&waiter);
            if (list == nullptr) {
                admitted = true;
                auto handler_executor = asio::get_associated_executor(handler, executor);
                asio::post(handler_executor, asio::append(std::move(handler), boost::system::error_code{}));
                return;
            }
            list->push_back(waiter);
            waiter.timer.async_wait(std::move(handler));
        };
        auto token = asio::as_tuple(asio::use_awaitable);
        co_await asio::async_initiate<decltype(token), void(boost::system::error_code)>(initiation, token);
        if (admitted) co_return;
        // Woken, or the deadline passed: ask again before waiting again.
        if (admitted_now(mutex, decide)) co_return;
    }
}

}  // namespace agentroute::net::detail
