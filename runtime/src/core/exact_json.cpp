// A DOM parse whose doubles are read from their text: Boost.JSON's basic_parser with a handler
// that fills a value_stack as boost::json::parser does, but converts each number's text itself.

#include <agentroute/detail/exact_json.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/value_stack.hpp>

#include <charconv>
#include <limits>

namespace agentroute::detail {

double exact_double(std::string_view text) noexcept {
    double d = 0;
    if (std::from_chars(text.data(), text.data() + text.size(), d).ec != std::errc::result_out_of_range) return d;
    // Past a double's range, or too small for a normal one: long double's range is far wider,
    // and narrowing gives what Boost.JSON gives too (infinity, a subnormal, zero; signed).
    long double wide = 0;
    if (std::from_chars(text.data(), text.data() + text.size(), wide).ec != std::errc::result_out_of_range) {
        return static_cast<double>(wide);
    }
    // Past even long double's range: its exponent's sign says which end.
    const bool negative = !text.empty() && text.front() == '-';
    const auto e = text.find_first_of("eE");
    const bool tiny = e != std::string_view::npos && e + 1 < text.size() && text[e + 1] == '-';
    const double magnitude = tiny ? 0.0 : std::numeric_limits<double>::infinity();
    return negative ? -magnitude : magnitude;
}

namespace {

class ExactHandler {
public:
    static constexpr std::size_t max_object_size = boost::json::object::max_size();
    static constexpr std::size_t max_array_size = boost::json::array::max_size();
    static constexpr std::size_t max_key_size = boost::json::string::max_size();
    static constexpr std::size_t max_string_size = boost::json::string::max_size();

    using error_code = boost::system::error_code;
    using string_view = boost::json::string_view;

    ExactHandler() { stack_.reset(); }
    boost::json::value release() { return stack_.release(); }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code&) { return true; }
    bool on_object_end(std::size_t n, error_code&) {
        stack_.push_object(n);
        return true;
    }
    bool on_array_begin(error_code&) { return true; }
    bool on_array_end(std::size_t n, error_code&) {
        stack_.push_array(n);
        return true;
    }
    bool on_key_part(string_view s, std::size_t, error_code&) {
        stack_.push_chars(s);
        return true;
    }
    bool on_key(string_view s, std::size_t, error_code&) {
        stack_.push_key(s);
        return true;
    }
    bool on_string_part(string_view s, std::size_t, error_code&) {
        stack_.push_chars(s);
        return true;
    }
    bool on_string(string_view s, std::size_t, error_code&) {
        stack_.push_string(s);
        return true;
    }
    bool on_number_part(string_view s, error_code&) {
        number_.part(s);
        return true;
    }
    bool on_int64(std::int64_t i, string_view, error_code&) {
        number_.discard();
        stack_.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, string_view, error_code&) {
        number_.discard();
        stack_.push_uint64(u);
        return true;
    }
    bool on_double(double, string_view last, error_code&) {
        stack_.push_double(number_.finish(last));
        return true;
    }
    bool on_bool(bool b, error_code&) {
        stack_.push_bool(b);
        return true;
    }
    bool on_null(error_code&) {
        stack_.push_null();
        return true;
    }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

private:
    boost::json::value_stack stack_;
    NumberText number_;
};

}  // namespace

boost::json::value parse_json_exactly(std::string_view text, boost::system::error_code& ec) {
    boost::json::basic_parser<ExactHandler> parser(boost::json::parse_options{});
    const std::size_t read = parser.write_some(false, text.data(), text.size(), ec);
    if (!ec && read < text.size()) ec = boost::json::error::extra_data;  // as boost::json::parse
    if (ec) return nullptr;
    return parser.handler().release();
}

}  // namespace agentroute::detail
