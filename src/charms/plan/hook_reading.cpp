#include "charms/plan/hook_reading.hpp"

#include <algorithm>

#include "grantor/core/identity.hpp"

namespace grantor::charms {
namespace {

// Length-prefixed, so that no two different requests share an encoding.
void Append(std::string& out, const std::string& value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
}

}  // namespace

std::string JoinSorted(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
  return out;
}

std::string RequestDigest(const juju::Databag& remote, EndpointKind kind,
                          const std::string& remote_app) {
  static const std::vector<std::string> kModern{"database", "extra-user-roles",
                                                "external-node-connectivity", "requested-secrets"};
  static const std::vector<std::string> kLegacy{"database", "extensions", "roles"};
  std::string encoded;
  for (const auto& key : kind == EndpointKind::kModern ? kModern : kLegacy) {
    const auto it = remote.find(key);
    Append(encoded, it == remote.end() ? std::string() : it->second);
  }
  if (kind != EndpointKind::kModern) Append(encoded, remote_app);
  return core::ShortDigest(encoded, 16);
}

HookReadings ReadHook(const HookReads& reads, const juju::HookContext& context,
                      EndpointKind endpoint, juju::JujuBackend& backend, std::int64_t now) {
  HookReadings readings;
  HookFacts& facts = readings.facts;
  facts.kind = context.kind;
  facts.now = now;
  facts.secret_label = context.secret_label;
  facts.endpoint = endpoint;
  if (context.relation && endpoint != EndpointKind::kOther) facts.relation = context.relation;
  if (facts.relation && reads.remote_request) {
    readings.remote_bag = backend.RelationGet(*facts.relation, context.remote_app, juju::Scope::kApp);
    facts.request_digest = RequestDigest(*readings.remote_bag, endpoint, context.remote_app);
  }
  if (facts.relation && reads.remote_units) {
    readings.units = JoinSorted(backend.RelationList(*facts.relation));
    facts.remote_units = readings.units;
  }
  return readings;
}

FirstReads ReadFirst(const HookReads& reads, const juju::HookContext& context,
                     EndpointKind endpoint, juju::JujuBackend& backend, std::int64_t now) {
  FirstReads first;
  if (reads.ledger) first.unit_state = backend.StateGet();
  first.readings = ReadHook(reads, context, endpoint, backend, now);
  return first;
}

}  // namespace grantor::charms
