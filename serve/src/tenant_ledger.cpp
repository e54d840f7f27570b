#include "tenant_ledger.hpp"

#include "prometheus_text.hpp"

#include <agentroute/errors.hpp>

#include <boost/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>
#include <stdexcept>
#include <utility>

namespace agentroute::serve::detail {

namespace {

constexpr std::string_view ledger_namespace = "agentroute.serve.ledger";
// Below a hundredth of a cent a run could not afford one token of any model.
constexpr double smallest_cap = 1e-6;

std::array<unsigned char, 32> digest(std::string_view text) {
    std::array<unsigned char, 32> out{};
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), out.data(), &size, EVP_sha256(), nullptr);
    return out;
}

std::string today_utc() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
    return text;
}

std::string ledger_key(const std::string& tenant, const std::string& day) { return tenant + "/" + day; }

// The shared total of a tenant's day (Memory::add_to_total).
std::string total_name(const std::string& tenant, const std::string& day) {
    return "agentroute.serve.spend/" + tenant + "/" + day;
}


}  // namespace

TenantLedger::TenantLedger(std::vector<Tenant> tenants, std::shared_ptr<Memory> store)
    : store_(store ? std::move(store) : std::make_shared<Memory>()) {
    const std::string today = today_utc();
    for (Tenant& t : tenants) {
        if (t.id.empty() || t.token.empty()) throw ErrorConfig("serve: every tenant needs an id and a token");
        // The id prefixes its conversation ids and ledger keys ("acme/..."): with a '/' in it,
        // tenant "a" could name tenant "a/b"'s conversations.
        if (t.id.find('/') != std::string::npos) throw ErrorConfig("serve: tenant id " + t.id + " has a '/'");
        for (const Book& b : books_) {
            if (b.tenant.id == t.id) throw ErrorConfig("serve: two tenants are named " + t.id);
            if (b.tenant.token == t.token) throw ErrorConfig("serve: tenants " + b.tenant.id + " and " + t.id + " share a token");
        }
        if (t.daily_budget_usd && !(*t.daily_budget_usd >= 0)) {
            throw ErrorConfig("serve: tenant " + t.id + "'s daily budget must be a number of USD, 0 or more");
        }
        if (t.max_concurrent_runs && *t.max_concurrent_runs == 0) {
            throw ErrorConfig("serve: tenant " + t.id + "'s max_concurrent_runs must be at least 1");
        }
        Book book;
        book.token_digest = digest(t.token);
        book.tenant = std::move(t);
        book.day = today;
        books_.push_back(std::move(book));
    }
}

const Tenant* TenantLedger::authenticate(std::string_view authorization) const {
    // RFC 7235: the scheme is case-insensitive.
    constexpr std::string_view scheme = "bearer ";
    if (authorization.size() <= scheme.size()) return nullptr;
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return nullptr;
    }
    std::string_view token = authorization.substr(scheme.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    // Digests of equal length, every tenant compared: the time says nothing of the token.
    const auto presented = digest(token);
    const Tenant* found = nullptr;
    for (const Book& b : books_) {
        if (CRYPTO_memcmp(presented.data(), b.token_digest.data(), presented.size()) == 0) found = &b.tenant;
    }
    return found;
}

TenantLedger::Book& TenantLedger::book_of(const Tenant& tenant) {
    for (Book& b : books_) {
        if (&b.tenant == &tenant) return b;
    }
    throw std::logic_error("serve: a tenant not of this ledger");
}

void TenantLedger::roll_over(Book& book, const std::string& today) {
    if (book.day == today) return;
    // A new day: what runs in flight hold stays held, the spend starts again.
    book.day = today;
    book.spent = 0;
    book.base = 0;
    book.unsaved = 0;  // yesterday's, if its store failed all day: reported then, not carried over
}

std::variant<Seat, ApiError> TenantLedger::admit(const Tenant& tenant, std::optional<double> agent_max_cost) {
    const std::lock_guard lock(mutex_);
    Book& book = book_of(tenant);
    roll_over(book, today_utc());
    if (tenant.max_concurrent_runs && book.in_flight >= *tenant.max_concurrent_runs) {
        return ApiError{429, "rate_limit_error",
                        "tenant " + tenant.id + " has " + std::to_string(book.in_flight) + " runs in flight, its limit",
                        {}, "tenant_concurrency_limit", 1};
    }
    Seat seat{static_cast<std::size_t>(&book - books_.data()), std::nullopt};
    if (tenant.daily_budget_usd) {
        const double left = *tenant.daily_budget_usd - book.spent;
        if (left < smallest_cap) {
            return ApiError{402, "insufficient_quota", "tenant " + tenant.id + " has spent its daily budget", {},
                            "tenant_budget_exhausted"};
        }
        const double free = left - book.held;
        if (free < smallest_cap) {
            return ApiError{429, "rate_limit_error",
                            "what is left of tenant " + tenant.id + "'s daily budget is held by its runs in flight", {},
                            "tenant_budget_held", 1};
        }
        seat.cap = agent_max_cost ? std::min(*agent_max_cost, free) : free;
        book.held += *seat.cap;
    }
    ++book.in_flight;
    return seat;
}

Caller TenantLedger::caller(const Tenant& tenant) const {
    const std::lock_guard lock(mutex_);
    for (const Book& b : books_) {
        if (&b.tenant == &tenant) return Caller{tenant.id, tenant.daily_budget_usd, b.spent};
    }
    return Caller{tenant.id, tenant.daily_budget_usd, 0};
}

boost::asio::awaitable<void> TenantLedger::settle(Seat seat, double spent_usd) {
    std::string day, name;
    double adding = 0;
    {
        const std::lock_guard lock(mutex_);
        Book& book = books_[seat.tenant];
        roll_over(book, today_utc());
        --book.in_flight;
        if (seat.cap) book.held = std::max(0.0, book.held - *seat.cap);
        if (!(spent_usd > 0)) co_return;
        book.spent += spent_usd;  // seen by the next admission at once, before the store answers
        adding = std::exchange(book.unsaved, 0.0) + spent_usd;
        day = book.day;
        name = total_name(book.tenant.id, day);
    }
    try {
        // The store adds atomically: every process sharing it counts each run once.
        const double total = co_await store_->add_to_total(name, adding);
        const std::lock_guard lock(mutex_);
        Book& book = books_[seat.tenant];
        if (book.day == day) book.spent = std::max(book.spent, book.base + total);
    } catch (const std::exception& e) {
        // Kept, and added with the tenant's next settled run.
        std::cerr << "agentroute serve: the ledger could not add " << adding << " USD to " << name << ": " << e.what() << "\n";
        const std::lock_guard lock(mutex_);
        Book& book = books_[seat.tenant];
        if (book.day == day) book.unsaved += adding;
    }
}

boost::asio::awaitable<void> TenantLedger::load_today() {
    const std::string today = today_utc();
    for (std::size_t i = 0; i < books_.size(); ++i) {
        std::string id;
        {
            const std::lock_guard lock(mutex_);
            id = books_[i].tenant.id;
        }
        // A day's spend as an earlier release kept it (one record per process, overwritten):
        // read, never written again, and counted under the shared total.
        double base = 0;
        const std::optional<MemoryRecord> kept = co_await store_->get(ledger_key(id, today), std::string(ledger_namespace));
        if (kept) {
            boost::json::error_code ec;
            const boost::json::value v = boost::json::parse(kept->text, ec);
            const boost::json::value* spent = ec || !v.is_object() ? nullptr : v.as_object().if_contains("spent_usd");
            if (!spent || !spent->is_number() || !(spent->to_number<double>() >= 0)) {
                throw ErrorMemory("serve: the ledger entry " + ledger_key(id, today) + " is not a spend: " + kept->text);
            }
            base = spent->to_number<double>();
        }
        const double total = co_await store_->add_to_total(total_name(id, today), 0);
        const std::lock_guard lock(mutex_);
        Book& book = books_[i];
        roll_over(book, today);
        book.base = base;
        book.spent = std::max(book.spent, base + total);
    }
}

void TenantLedger::render(std::string& out) const {
    using telemetry::detail::append_family;
    using telemetry::detail::append_sample;
    using telemetry::detail::escape_label;
    if (books_.empty()) return;
    const std::lock_guard lock(mutex_);
    append_family(out, "agentroute_serve_tenant_spent_today_usd", "gauge", "USD a tenant's runs spent today (UTC).");
    for (const Book& b : books_) {
        append_sample(out, "agentroute_serve_tenant_spent_today_usd", "tenant=\"" + escape_label(b.tenant.id) + "\"", b.spent);
    }
    append_family(out, "agentroute_serve_tenant_runs_in_flight", "gauge", "A tenant's runs in progress.");
    for (const Book& b : books_) {
        append_sample(out, "agentroute_serve_tenant_runs_in_flight", "tenant=\"" + escape_label(b.tenant.id) + "\"",
                      static_cast<double>(b.in_flight));
    }
}

}  // namespace agentroute::serve::detail
