#pragma once

// Adapts typed tool handlers and output validators to the type-erased forms in agent_core.hpp.

#include <agentroute/detail/agent_core.hpp>
#include <agentroute/detail/describe_json.hpp>
#include <agentroute/detail/run_blocking.hpp>
#include <agentroute/run_context.hpp>
#include <agentroute/tool.hpp>

#include <boost/asio/awaitable.hpp>

#include <any>
#include <functional>
#include <string>
#include <tuple>
#include <type_traits>

namespace agentroute::detail {

template <class T> struct is_awaitable : std::false_type {};
template <class T, class E> struct is_awaitable<boost::asio::awaitable<T, E>> : std::true_type {};

template <class T> struct awaited { using type = T; };
template <class T, class E> struct awaited<boost::asio::awaitable<T, E>> { using type = T; };

// Parameter list of a plain function or a lambda with a non-template call operator.
template <class F> struct callable_traits : callable_traits<decltype(&F::operator())> {};
template <class R, class... A> struct callable_traits<R (*)(A...)> {
    using params = std::tuple<A...>;
};
template <class R, class... A> struct callable_traits<R(A...)> {
    using params = std::tuple<A...>;
};
template <class C, class R, class... A> struct callable_traits<R (C::*)(A...) const> {
    using params = std::tuple<A...>;
};
template <class C, class R, class... A> struct callable_traits<R (C::*)(A...)> {
    using params = std::tuple<A...>;
};

// The argument struct of a handler `(RunContext&, const Args&)`, `(const Args&)` or
// `(RunContext&)` (no arguments: NoArgs).
template <class F>
struct tool_args {
    using params = typename callable_traits<std::remove_cvref_t<F>>::params;
    static constexpr std::size_t n = std::tuple_size_v<params>;
    static_assert(n == 1 || n == 2,
                  "agentroute: a tool handler takes (RunContext&, const Args&), (const Args&) "
                  "or (RunContext&)");
    using last = std::remove_cvref_t<std::tuple_element_t<n - 1, params>>;
    using type = std::conditional_t<std::is_same_v<last, RunContext>, NoArgs, last>;
};
template <class F> using tool_args_t = typename tool_args<F>::type;

template <class F, class Args>
decltype(auto) invoke_handler(F& f, RunContext& ctx, Args& args) {
    if constexpr (std::is_invocable_v<F&, RunContext&, Args&>) {
        return std::invoke(f, ctx, args);
    } else if constexpr (std::is_invocable_v<F&, Args&>) {
        return std::invoke(f, args);
    } else {
        static_assert(std::is_invocable_v<F&, RunContext&>, "agentroute: bad tool handler");
        return std::invoke(f, ctx);
    }
}

template <class R>
std::string tool_text(R&& value) {
    using V = std::remove_cvref_t<R>;
    if constexpr (std::is_convertible_v<V, std::string>) {
        return std::string(std::forward<R>(value));
    } else {
        return boost::json::serialize(to_json(value));
    }
}

template <class Args, class F>
ToolInvoker make_tool_invoker(F handler, ToolOptions options) {
    return [handler = std::move(handler), options](
               RunContext& ctx, const boost::json::value& json) -> boost::asio::awaitable<std::string> {
        Args args = from_json<Args>(json);
        using R = decltype(invoke_handler(handler, ctx, args));
        if constexpr (is_awaitable<std::remove_cvref_t<R>>::value) {
            (void)options;  // unused here: clang's -Wunused-lambda-capture would flag users' builds
            auto result = co_await invoke_handler(handler, ctx, args);
            co_return tool_text(std::move(result));
        } else if (options.blocking) {
            auto work = [&] { return tool_text(invoke_handler(handler, ctx, args)); };
            std::string text = co_await run_blocking(std::move(work));
            co_return text;
        } else {
            co_return tool_text(invoke_handler(handler, ctx, args));
        }
    };
}

// A validator `(RunContext&, T) -> T`, `(T) -> T`, or either returning awaitable<T>.
template <class T, class F>
OutputValidator make_output_validator(F validator) {
    return [validator = std::move(validator)](RunContext& ctx,
                                              std::any& output) -> boost::asio::awaitable<void> {
        T& value = std::any_cast<T&>(output);
        auto call = [&]() -> decltype(auto) {
            if constexpr (std::is_invocable_v<F&, RunContext&, T>) {
                return std::invoke(validator, ctx, value);
            } else {
                return std::invoke(validator, value);
            }
        };
        using R = std::remove_cvref_t<decltype(call())>;
        if constexpr (is_awaitable<R>::value) {
            value = co_await call();
        } else {
            value = call();
        }
    };
}

}  // namespace agentroute::detail
