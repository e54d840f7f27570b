#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cmath>

namespace agentroute::detail {

/// True when every number in `v` is finite. Boost.JSON 1.81 reads a number past a double's
/// range (`-1e30930`) as infinity and writes it back as `-Infinity`, which is not JSON: a value
/// read from outside is checked with this before it is serialized for anyone else.
inline bool all_numbers_finite(const boost::json::value& v) noexcept;

inline bool all_numbers_finite(const boost::json::array& a) noexcept {
    for (const boost::json::value& e : a) {
        if (!all_numbers_finite(e)) return false;
    }
    return true;
}

inline bool all_numbers_finite(const boost::json::value& v) noexcept {
    switch (v.kind()) {
        case boost::json::kind::double_: return std::isfinite(v.get_double());
        case boost::json::kind::array: return all_numbers_finite(v.get_array());
        case boost::json::kind::object:
            for (const auto& member : v.get_object()) {
                if (!all_numbers_finite(member.value())) return false;
            }
            return true;
        default: return true;
    }
}

}  // namespace agentroute::detail
