#include <agentroute/memory/memory_postgres.hpp>

#include "message_codec.hpp"
#include "postgres/pg_store.hpp"
#include "text_search.hpp"

#include <agentroute/errors.hpp>

#include <boost/json.hpp>

#include <array>
#include <charconv>

namespace agentroute {
namespace {

using detail::PgConnection;
using detail::PgResult;
using detail::PgStore;

// PostgreSQL text holds neither NUL bytes nor invalid UTF-8: refused here with a clear error
// (libpq would cut a NUL silently).
void require_storable(const std::string& text, const char* what) {
    if (text.find('\0') != std::string::npos) {
        throw ErrorMemory(std::string("postgres: the ") + what + " holds a NUL byte, which PostgreSQL text cannot store",
                          0, "22021");
    }
}

MemoryRecord read_record(const PgResult& r, int row, bool with_score) {
    MemoryRecord m;
    m.key = r.text(row, 0);
    m.ns = r.text(row, 1);
    m.text = r.text(row, 2);
    m.tags = detail::decode_tags(r.text(row, 3));
    m.metadata = r.text(row, 4);
    m.created_ms = std::stoll(r.text(row, 5));
    if (with_score) m.score = std::stod(r.text(row, 6));
    return m;
}

std::vector<MemoryRecord> read_records(const PgResult& r, bool with_score) {
    std::vector<MemoryRecord> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int row = 0; row < r.rows(); ++row) out.push_back(read_record(r, row, with_score));
    return out;
}

// Bytes that are not UTF-8 become separators, so a query is always words.
std::string utf8_or_spaces(std::string_view text) {
    std::string out(text);
    std::size_t i = 0;
    while (i < out.size()) {
        const auto c = static_cast<unsigned char>(out[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        bool ok = n != 0 && i + n <= out.size() && !(n == 2 && c < 0xc2);
        for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(out[i + k]) & 0xc0) == 0x80;
        if (ok && n == 3) {  // no overlong forms, no surrogates
            const auto c1 = static_cast<unsigned char>(out[i + 1]);
            ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
        }
        if (ok && n == 4) {  // no overlong forms, nothing past U+10FFFF
            const auto c1 = static_cast<unsigned char>(out[i + 1]);
            ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90) && c <= 0xf4;
        }
        if (!ok) {
            out[i] = ' ';
            n = 1;
        }
        i += n;
    }
    return out;
}

// A tsquery of the query's words, each a quoted lexeme, joined by `op` ('&' or '|'): the
// words hold only letters and digits (search_words), so nothing in them is tsquery syntax.
std::string tsquery_of(const std::vector<std::string>& words, const char* op) {
    std::string q;
    for (const std::string& w : words) {
        if (!q.empty()) q += op;
        q += '\'';
        q += w;
        q += '\'';
    }
    return q;
}

}  // namespace

MemoryPostgres::MemoryPostgres(const std::string& conninfo, MemoryPostgresOptions options)
    : Memory(no_ram_t{}), store_(std::make_shared<PgStore>(conninfo, options)) {}

MemoryPostgres::~MemoryPostgres() = default;

boost::asio::awaitable<std::string> MemoryPostgres::do_remember(MemoryRecord record) {
    require_storable(record.text, "text");
    require_storable(record.key, "key");
    require_storable(record.ns, "namespace");
    const std::array<std::string, 6> params{record.ns, record.key, record.text, detail::encode_tags(record.tags),
                                            record.metadata, std::to_string(record.created_ms)};
    co_await store_->run(PgStore::Retry::safe, [&](PgConnection& c) -> boost::asio::awaitable<void> {
        co_await c.prepared("ar_remember", params);
    });
    co_return record.key;
}

boost::asio::awaitable<std::vector<MemoryRecord>> MemoryPostgres::do_recall(std::string query, std::string ns,
                                                                            std::size_t limit) {
    const std::vector<std::string> words = detail::search_words(utf8_or_spaces(query));
    std::vector<MemoryRecord> out;
    if (words.empty() || limit == 0) co_return out;
    require_storable(ns, "namespace");
    // Items holding every word; only when none does, those holding any (as the SQLite store).
    std::array<std::string, 3> params{ns, tsquery_of(words, " & "), std::to_string(limit)};
    co_await store_->run(PgStore::Retry::safe, [&](PgConnection& c) -> boost::asio::awaitable<void> {
        PgResult r = co_await c.prepared("ar_recall", params);
        out = read_records(r, true);
        if (out.empty() && words.size() > 1) {
            params[1] = tsquery_of(words, " | ");
            PgResult any = co_await c.prepared("ar_recall", params);
            out = read_records(any, true);
        }
    });
    co_return out;
}

boost::asio::awaitable<std::optional<MemoryRecord>> MemoryPostgres::do_get(std::string key, std::string ns) {
    std::optional<MemoryRecord> out;
    if (key.find('\0') != std::string::npos || ns.find('\0') != std::string::npos) co_return out;
    const std::array<std::string, 2> params{ns, key};
    co_await store_->run(PgStore::Retry::safe, [&](PgConnection& c) -> boost::asio::awaitable<void> {
        PgResult r = co_await c.prepared("ar_get", params);
        if (r.rows() > 0) out = read_record(r, 0, false);
    });
    co_return out;
}

boost::asio::awaitable<bool> MemoryPostgres::do_forget(std::string key, std::string ns) {
    bool forgotten = false;
    if (key.find('\0') != std::string::npos || ns.find('\0') != std::string::npos) co_return forgotten;
    const std::array<std::string, 2> params{ns, key};
    // Not safe to resend: a delete that ran would then say "there was none".
    co_await store_->run(PgStore::Retry::unless_sent, [&](PgConnection& c) -> boost::asio::awaitable<void> {
        PgResult r = co_await c.prepared("ar_forget", params);
        forgotten = r.affected() > 0;
    });
    co_return forgotten;
}

boost::asio::awaitable<std::vector<MemoryRecord>> MemoryPostgres::do_recent(std::string ns, std::size_t limit) {
    std::vector<MemoryRecord> out;
    if (limit == 0 || ns.find('\0') != std::string::npos) co_return out;
    const std::array<std::string, 2> params{ns, std::to_string(limit)};
    co_await store_->run(PgStore::Retry::safe, [&](PgConnection& c) -> boost::asio::awaitable<void> {
        PgResult r = co_await c.prepared("ar_recent", params);
        out = read_records(r, false);
    });
    co_return out;
}

boost::asio::awaitable<std::vector<Message>> MemoryPostgres::do_load_conversation(std::string id) {
    std::vector<Message> out;
    if (id.find('\0') != std::string::npos) co_return out;
    const std::array<std::string, 1> params{id};
    co_await store_->run(PgStore::Retry::safe, [&](PgConnection& c) -> boost::asio::awaitable<void> {
        PgResult r = co_await c.prepared("ar_load", params);
        out.clear();
        for (int row = 0; row < r.rows(); ++row) {
            try {
                out.push_back(detail::decode_message(r.text(row, 0)));
            } catch (const ErrorMemory& e) {
                // Only a change made outside the library gets here: say where it is.
                throw ErrorMemory("conversation '" + id + "', message " + std::to_string(row) +
                                  " in PostgreSQL: " + e.what() + " (was the table edited outside AgentRoute?)");
            }
        }
    });
    co_return out;
}

boost::asio::awaitable<void> MemoryPostgres::do_append_conversation(std::string id, std::vector<Message> messages) {
    require_storable(id, "conversation id");
    boost::json::array encoded;
    encoded.reserve(messages.size());
    for (const Message& m : messages) encoded.emplace_back(detail::encode_message(m));
    const std::array<std::string, 3> params{id, std::to_string(messages.size()), boost::json::serialize(encoded)};
    co_await store_->run(PgStore::Retry::unless_sent, [&](PgConnection& c) -> boost::asio::awaitable<void> {
        co_await c.prepared("ar_append", params);
    });
}

boost::asio::awaitable<double> MemoryPostgres::do_add_to_total(std::string name, double amount) {
    require_storable(name, "total's name");
    // Shortest text that reads back as the same double.
    std::array<char, 32> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), amount).ptr;
    const std::array<std::string, 2> params{name, std::string(digits.data(), end)};
    double total = 0;
    // Not safe to resend: an add that ran would count twice.
    co_await store_->run(PgStore::Retry::unless_sent, [&](PgConnection& c) -> boost::asio::awaitable<void> {
        PgResult r = co_await c.prepared("ar_add_total", params);
        total = std::stod(r.text(0, 0));
    });
    co_return total;
}

}  // namespace agentroute
