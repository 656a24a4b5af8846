#pragma once
// The operator password actions of the provider charms: set-password rotates the charm's own
// operator account's password, get-password shows it when the Juju operator chose so.

#include "grantor/charms/provider.hpp"
#include "grantor/juju/backend.hpp"

namespace grantor::charms {

void SetPasswordAction(const ProviderSpec& spec, const EngineFactory& engines,
                       const PasswordSource& passwords, juju::JujuBackend& backend);
void GetPasswordAction(const ProviderSpec& spec, juju::JujuBackend& backend);

}  // namespace grantor::charms
