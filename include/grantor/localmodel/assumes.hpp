#pragma once
// Juju's `assumes` (metadata.yaml): what a charm needs from the model it is deployed to. Juju
// refuses the deploy when the model does not meet it; so does the local model, which offers one
// feature, `juju`, at the version it emulates (docs/juju.md, "Juju versions").
//
// Grammar: a list of expressions, all of which must hold. An expression is a feature name with
// an optional version constraint ("juju", "juju >= 3.6", "juju < 4", "k8s-api"; the operators
// are >= and <), or a map with one key, `all-of` or `any-of`, over a list of expressions.

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

namespace grantor::localmodel {

/// An `assumes` value that does not follow the grammar.
class AssumesError : public std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// Why a model running Juju `juju_version` (e.g. "3.6.8") and offering no other feature does
/// not meet `assumes` (the metadata.yaml value as JSON; null means no requirement), or nullopt
/// when it does. Throws AssumesError when `assumes` is malformed.
std::optional<std::string> UnmetAssumption(const nlohmann::json& assumes,
                                           const std::string& juju_version);

}  // namespace grantor::localmodel
