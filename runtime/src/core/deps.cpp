#include <agentroute/deps.hpp>

#include <agentroute/errors.hpp>

#include <boost/core/demangle.hpp>

namespace agentroute {

void Deps::throw_mismatch(const std::type_info& wanted, bool wanted_const) const {
    const std::string asked = (wanted_const ? "const " : "") + boost::core::demangle(wanted.name());
    if (!object_) {
        throw ErrorConfig("RunContext::deps<" + asked + ">(): the run was given no dependencies; "
                          "pass them as RunOptions::deps");
    }
    const std::string given = (is_const_ ? "const " : "") + boost::core::demangle(type_->name());
    if (*type_ != wanted) {
        throw ErrorConfig("RunContext::deps<" + asked + ">(): the run's dependencies are of type " + given +
                          ", not " + asked + "; ask for deps<" + given + ">() or pass a " + asked +
                          " as RunOptions::deps");
    }
    // The only mismatch left: a mutable object asked of a const one.
    throw ErrorConfig("RunContext::deps<" + asked + ">(): the run was given a " + given + "; ask for deps<" +
                      given + ">()");
}

}  // namespace agentroute
