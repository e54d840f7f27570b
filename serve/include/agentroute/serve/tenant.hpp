#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace agentroute::serve {

/// A client of the server, known by its bearer token (`Authorization: Bearer <token>`). With
/// tenants configured, every `/v1/` request needs one of their tokens (else 401).
struct Tenant {
    /// Its name in logs, metrics and the ledger; without '/'.
    std::string id{};
    /// Never logged; compared in constant time.
    std::string token{};
    /// USD its runs may spend per UTC day, across agents; unset: no daily limit. Each run's
    /// ceiling is what is left of it (held while the run is in flight), so concurrent runs
    /// together stay within it.
    std::optional<double> daily_budget_usd{};
    /// Its runs at once; past it 429. Unset: only `ServeOptions::max_concurrent_runs`.
    std::optional<std::size_t> max_concurrent_runs{};
};

/// What a served run's tools learn of whom they serve: `ctx.deps<const serve::Caller>()`.
struct Caller {
    /// `Tenant::id`; empty when the server has no tenants.
    std::string tenant{};
    std::optional<double> daily_budget_usd{};
    /// Spent today before this run began.
    double spent_today_usd = 0;
};

}  // namespace agentroute::serve
