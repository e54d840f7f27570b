#pragma once

// JSON schema, strict parsing and serialization for Boost.Describe'd types. Used by typed tools
// and structured outputs; the schema comes from the C++ type, never from hand-written JSON.
//
// Supported: bool, integers, floating point, std::string, std::optional<T>, std::vector<T>,
// boost::json::value (anything), described enums (as strings) and described structs.

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <boost/mp11/algorithm.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace agentroute::detail {

/// Where and why a JSON value does not fit a type; `path` is like `items[2].priority`.
class SchemaMismatch : public std::runtime_error {
public:
    SchemaMismatch(const std::string& path, const std::string& why)
        : std::runtime_error((path.empty() ? std::string("value") : path) + ": " + why) {}
};

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_vector : std::false_type {};
template <class T, class A> struct is_vector<std::vector<T, A>> : std::true_type {};

template <class T>
constexpr bool is_described_struct_v =
    boost::describe::has_describe_members<T>::value && !std::is_union_v<T>;

template <class T>
boost::json::object schema_of();

template <class T>
boost::json::object schema_of() {
    using boost::json::object;
    if constexpr (std::is_same_v<T, bool>) {
        return object{{"type", "boolean"}};
    } else if constexpr (std::is_integral_v<T>) {
        return object{{"type", "integer"}};
    } else if constexpr (std::is_floating_point_v<T>) {
        return object{{"type", "number"}};
    } else if constexpr (std::is_same_v<T, std::string>) {
        return object{{"type", "string"}};
    } else if constexpr (std::is_same_v<T, boost::json::value>) {
        return object{};
    } else if constexpr (is_optional<T>::value) {
        return schema_of<typename T::value_type>();
    } else if constexpr (is_vector<T>::value) {
        return object{{"type", "array"}, {"items", schema_of<typename T::value_type>()}};
    } else if constexpr (boost::describe::has_describe_enumerators<T>::value) {
        boost::json::array names;
        boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>(
            [&](auto e) { names.emplace_back(e.name); });
        return object{{"type", "string"}, {"enum", std::move(names)}};
    } else if constexpr (is_described_struct_v<T>) {
        object properties;
        boost::json::array required;
        using members = boost::describe::describe_members<T, boost::describe::mod_public>;
        boost::mp11::mp_for_each<members>([&](auto m) {
            using M = std::remove_cvref_t<decltype(std::declval<T&>().*m.pointer)>;
            properties[m.name] = schema_of<M>();
            if constexpr (!is_optional<M>::value) required.emplace_back(m.name);
        });
        return object{{"type", "object"},
                      {"properties", std::move(properties)},
                      {"required", std::move(required)},
                      {"additionalProperties", false}};
    } else {
        static_assert(sizeof(T) == 0,
                      "agentroute: describe this type with BOOST_DESCRIBE_STRUCT or use a "
                      "supported standard type");
    }
}

inline std::string join_path(const std::string& base, std::string_view member) {
    return base.empty() ? std::string(member) : base + "." + std::string(member);
}

template <class T>
T from_json(const boost::json::value& v, const std::string& path = {});

template <class Int>
Int integer_from_json(const boost::json::value& v, const std::string& path) {
    long double n = 0;
    if (v.is_int64()) {
        n = static_cast<long double>(v.get_int64());
    } else if (v.is_uint64()) {
        n = static_cast<long double>(v.get_uint64());
    } else if (v.is_double() && std::trunc(v.get_double()) == v.get_double()) {
        n = v.get_double();
    } else {
        throw SchemaMismatch(path, "expected an integer");
    }
    if (n < static_cast<long double>(std::numeric_limits<Int>::min()) ||
        n > static_cast<long double>(std::numeric_limits<Int>::max())) {
        throw SchemaMismatch(path, "integer out of range");
    }
    return static_cast<Int>(n);
}

template <class T>
T from_json(const boost::json::value& v, const std::string& path) {
    if constexpr (std::is_same_v<T, bool>) {
        if (!v.is_bool()) throw SchemaMismatch(path, "expected true or false");
        return v.get_bool();
    } else if constexpr (std::is_integral_v<T>) {
        return integer_from_json<T>(v, path);
    } else if constexpr (std::is_floating_point_v<T>) {
        if (!v.is_number()) throw SchemaMismatch(path, "expected a number");
        // Boost.JSON 1.81 reads an overflowing literal such as 0e309 as NaN (1e309 as inf): a
        // tool gets a finite number in its type's range, or the model a correction.
        const double d = v.to_number<double>();
        if (!std::isfinite(d)) throw SchemaMismatch(path, "expected a finite number");
        if (std::fabs(d) > static_cast<double>(std::numeric_limits<T>::max())) {
            throw SchemaMismatch(path, "number out of range");
        }
        return static_cast<T>(d);
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!v.is_string()) throw SchemaMismatch(path, "expected a string");
        return std::string(v.get_string());
    } else if constexpr (std::is_same_v<T, boost::json::value>) {
        return v;
    } else if constexpr (is_optional<T>::value) {
        if (v.is_null()) return std::nullopt;
        return from_json<typename T::value_type>(v, path);
    } else if constexpr (is_vector<T>::value) {
        if (!v.is_array()) throw SchemaMismatch(path, "expected an array");
        T out;
        out.reserve(v.get_array().size());
        std::size_t i = 0;
        for (const auto& item : v.get_array()) {
            out.push_back(from_json<typename T::value_type>(
                item, path + "[" + std::to_string(i++) + "]"));
        }
        return out;
    } else if constexpr (boost::describe::has_describe_enumerators<T>::value) {
        if (!v.is_string()) throw SchemaMismatch(path, "expected a string");
        T out{};
        if (!boost::describe::enum_from_string(v.get_string().c_str(), out)) {
            std::string allowed;
            boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>([&](auto e) {
                allowed += allowed.empty() ? "" : ", ";
                allowed += e.name;
            });
            throw SchemaMismatch(path, "expected one of: " + allowed);
        }
        return out;
    } else if constexpr (is_described_struct_v<T>) {
        if (!v.is_object()) throw SchemaMismatch(path, "expected an object");
        const auto& obj = v.get_object();
        T out{};
        std::size_t known = 0;
        using members = boost::describe::describe_members<T, boost::describe::mod_public>;
        boost::mp11::mp_for_each<members>([&](auto m) {
            using M = std::remove_cvref_t<decltype(out.*m.pointer)>;
            auto it = obj.find(m.name);
            if (it == obj.end()) {
                if constexpr (!is_optional<M>::value) {
                    throw SchemaMismatch(join_path(path, m.name), "required field is missing");
                }
                return;
            }
            ++known;
            out.*m.pointer = from_json<M>(it->value(), join_path(path, m.name));
        });
        if (known != obj.size()) {
            for (const auto& kv : obj) {
                bool found = false;
                boost::mp11::mp_for_each<members>([&](auto m) { found |= kv.key() == m.name; });
                if (!found) throw SchemaMismatch(join_path(path, kv.key()), "unknown field");
            }
        }
        return out;
    } else {
        static_assert(sizeof(T) == 0, "agentroute: unsupported type for JSON conversion");
    }
}

template <class T>
boost::json::value to_json(const T& v) {
    if constexpr (std::is_same_v<T, bool> || std::is_arithmetic_v<T>) {
        return boost::json::value(v);
    } else if constexpr (std::is_same_v<T, std::string>) {
        return boost::json::value(v);
    } else if constexpr (std::is_same_v<T, boost::json::value>) {
        return v;
    } else if constexpr (is_optional<T>::value) {
        return v ? to_json(*v) : boost::json::value(nullptr);
    } else if constexpr (is_vector<T>::value) {
        boost::json::array out;
        for (const auto& item : v) out.push_back(to_json(item));
        return out;
    } else if constexpr (boost::describe::has_describe_enumerators<T>::value) {
        const char* name = boost::describe::enum_to_string(v, nullptr);
        return name ? boost::json::value(name) : boost::json::value(nullptr);
    } else if constexpr (is_described_struct_v<T>) {
        boost::json::object out;
        using members = boost::describe::describe_members<T, boost::describe::mod_public>;
        boost::mp11::mp_for_each<members>(
            [&](auto m) { out[m.name] = to_json(v.*m.pointer); });
        return out;
    } else {
        static_assert(sizeof(T) == 0, "agentroute: unsupported type for JSON conversion");
    }
}

}  // namespace agentroute::detail
