#pragma once

// The tenants of a server: who a bearer token is, whether one more run of theirs may start
// (their run cap, and what is left of their day's budget once the runs in flight hold theirs),
// and what they have spent today, kept in a Memory store so that a restart forgets nothing.

#include "api_error.hpp"

#include <agentroute/memory/memory.hpp>
#include <agentroute/serve/tenant.hpp>

#include <boost/asio/awaitable.hpp>

#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace agentroute::serve::detail {

/// One admitted run's place: released by `TenantLedger::settle`.
struct Seat {
    std::size_t tenant = 0;
    /// The run's USD ceiling (what its tenant's budget had left), held until it settles.
    std::optional<double> cap{};
};

class TenantLedger {
public:
    /// Throws `ErrorConfig` for a tenant without id or token, or two with one token or id.
    TenantLedger(std::vector<Tenant> tenants, std::shared_ptr<Memory> store);

    bool enabled() const noexcept { return !books_.empty(); }

    /// The tenant whose token an `Authorization` header value carries (`Bearer <token>`), or
    /// null. Every token is compared, in constant time.
    const Tenant* authenticate(std::string_view authorization) const;

    /// A seat for one run of `tenant` whose agent caps runs at `agent_max_cost`, or the
    /// refusal: 429 at its run cap or while its runs in flight hold what is left of the budget,
    /// 402 once the day's budget is spent.
    std::variant<Seat, ApiError> admit(const Tenant& tenant, std::optional<double> agent_max_cost);

    /// What the run's tools see of its tenant.
    Caller caller(const Tenant& tenant) const;

    /// Ends a seat: releases what it held and adds what the run spent to the day's total in the
    /// store (atomically: processes sharing the store share the total), then sees the total
    /// with every process's spend. Throws nothing; an add that fails is reported on stderr and
    /// added with the tenant's next settled run.
    boost::asio::awaitable<void> settle(Seat seat, double spent_usd);

    /// Reads today's totals from the store (before serving). Throws `ErrorMemory` when it
    /// cannot: a server must not serve budgets it cannot read.
    boost::asio::awaitable<void> load_today();

    /// `agentroute_serve_tenant_spent_today_usd` and `agentroute_serve_tenant_runs_in_flight`.
    void render(std::string& out) const;

private:
    struct Book {
        Tenant tenant;
        std::array<unsigned char, 32> token_digest{};
        std::string day;  // UTC, YYYY-MM-DD: `spent` is of this day
        double spent = 0;    // the day's spend, every process's, as last seen
        double base = 0;     // what an earlier release's ledger record held for the day
        double unsaved = 0;  // spent here, not yet in the store's total (its add failed)
        double held = 0;     // the caps of runs in flight
        std::size_t in_flight = 0;
    };

    Book& book_of(const Tenant& tenant);
    void roll_over(Book& book, const std::string& today);

    std::shared_ptr<Memory> store_;
    mutable std::mutex mutex_;
    std::vector<Book> books_;
};

}  // namespace agentroute::serve::detail
