#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>

namespace agentroute {

/// The caller's objects for one run, type-erased: `RunOptions::deps`. Tools and validators
/// get them back, type-checked, through `RunContext::deps<D>()`.
///
///     Tenant tenant{...};
///     RunOptions options{.deps = Deps(tenant)};        // by reference: outlive the run
///     RunOptions shared{.deps = Deps(std::make_shared<Tenant>(...))};  // kept alive by the run
///
/// The type asked for must be the type given (no conversions to bases): a mismatch is an
/// `ErrorConfig` naming both types. A `const` object is handed out only as `const`.
class Deps {
public:
    Deps() = default;

    template <class D>
        requires(!std::is_same_v<std::remove_cv_t<D>, Deps>)
    explicit Deps(D& object) noexcept
        : object_(const_cast<void*>(static_cast<const void*>(&object))),
          type_(&typeid(D)),
          is_const_(std::is_const_v<D>) {}

    template <class D>
    explicit Deps(std::shared_ptr<D> object) noexcept
        : object_(const_cast<void*>(static_cast<const void*>(object.get()))),
          type_(&typeid(D)),
          is_const_(std::is_const_v<D>),
          owner_(std::move(object)) {}

    /// True when the run was given an object.
    explicit operator bool() const noexcept { return object_ != nullptr; }

    /// The object as `D`; throws `ErrorConfig` when none was given or it has another type.
    template <class D>
    D& get() const {
        if (D* object = get_if<D>()) return *object;
        throw_mismatch(typeid(D), std::is_const_v<D>);
    }

    /// The object as `D`, or null when none was given or it has another type.
    template <class D>
    D* get_if() const noexcept {
        if (!object_ || *type_ != typeid(D) || (is_const_ && !std::is_const_v<D>)) return nullptr;
        return static_cast<D*>(object_);
    }

private:
    [[noreturn]] void throw_mismatch(const std::type_info& wanted, bool wanted_const) const;

    void* object_ = nullptr;
    const std::type_info* type_ = nullptr;
    bool is_const_ = false;
    std::shared_ptr<const void> owner_;
};

}  // namespace agentroute
