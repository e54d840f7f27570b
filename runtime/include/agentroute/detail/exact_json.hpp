#pragma once

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace agentroute::detail {

/// The double nearest to a JSON number's text (correctly rounded, std::from_chars). Boost.JSON
/// 1.81's own conversion can land one unit in the last place off (`0.0076509169000000005`
/// reads low), and a cost must come back as the decimal the server sent. Infinity past a
/// double's range, as Boost.JSON reads it (all_numbers_finite refuses it on the way out).
double exact_double(std::string_view number_text) noexcept;

/// A number's text as Boost.JSON's SAX parser hands it over (earlier pieces through
/// `on_number_part` when the number spans reads, the last with `on_int64` / `on_uint64` /
/// `on_double`), read by `exact_double`. Copies only a number that spans reads.
class NumberText {
public:
    void part(std::string_view piece) { pieces_.append(piece); }
    /// An integer ended the number: nothing to read.
    void discard() noexcept { pieces_.clear(); }
    /// The double of the number whose last piece is `last`.
    double finish(std::string_view last) {
        if (pieces_.empty()) return exact_double(last);
        pieces_.append(last);
        const double d = exact_double(pieces_);
        pieces_.clear();
        return d;
    }

private:
    std::string pieces_;
};

/// `boost::json::parse` with every non-integer number read by `exact_double`. For what comes
/// from outside and carries money or a user's numbers: answers, bills, structured outputs.
boost::json::value parse_json_exactly(std::string_view text, boost::system::error_code& ec);

}  // namespace agentroute::detail
