#pragma once

#include <SQLiteCpp/Exception.h>

namespace agentroute::detail {

template <class F>
auto SqliteStore::guarded(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const SQLite::Exception& e) {
        fail(e, e.getExtendedErrorCode());
    }
}

}  // namespace agentroute::detail
