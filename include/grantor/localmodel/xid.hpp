#pragma once
// Secret ids shaped like Juju's (rs/xid): 12 bytes (4 time, 3 machine, 2 process, 3 counter)
// encoded as 20 characters of lowercase base32hex [0-9a-v].

#include <string>

namespace grantor::localmodel {

/// A new xid. `sequence` is the model-wide secret counter (never reused), `model_uuid` seeds
/// the machine bytes; two calls with different sequences never return the same xid.
std::string NewXid(long long sequence, const std::string& model_uuid);

/// True when `text` is 20 characters of [0-9a-v].
bool IsXid(const std::string& text);

}  // namespace grantor::localmodel
