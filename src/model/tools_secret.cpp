// secret-add, secret-get, secret-set, secret-grant, secret-revoke, secret-remove, secret-ids,
// secret-info-get (docs/juju.md, "Hook tools the charms use" and "Secrets").
//
// Visibility: a unit sees exactly the secrets in State::secrets. owner "unit" = owned by this
// unit, owner "application" = owned by this unit's application (readable by every unit of it,
// changed only by the leader), owner "" = consumed (granted to this unit or its application).

#include <algorithm>
#include <array>
#include <cstring>
#include <regex>

#include "model/tool_common.hpp"

namespace grantor::model {
namespace {

using nlohmann::json;

// Juju 3.6.x before the size raise (juju/juju#20287): the stricter limits, so the fake never
// accepts content a real controller would refuse.
constexpr std::size_t kMaxEncodedValueBytes = 8 * 1024;
constexpr std::size_t kMaxEncodedContentBytes = 64 * 1024;

// ---- base64 ------------------------------------------------------------------------------

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(const std::string& data) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(data[i]) << 16) |
                       (static_cast<unsigned char>(data[i + 1]) << 8) |
                       static_cast<unsigned char>(data[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kBase64Alphabet[(n >> shift) & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned char>(data[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += rest == 2 ? kBase64Alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

/// Standard padded base64 (Go's base64.StdEncoding); false on any malformed input.
bool Base64Decode(const std::string& text, std::string* out) {
  if (text.size() % 4 != 0) return false;
  out->clear();
  for (std::size_t i = 0; i < text.size(); i += 4) {
    unsigned n = 0;
    int padding = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      const char* pos = c == '\0' ? nullptr : std::strchr(kBase64Alphabet, c);
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        ++padding;
        n <<= 6;
        continue;
      }
      if (pos == nullptr || padding > 0) return false;
      n = (n << 6) | static_cast<unsigned>(pos - kBase64Alphabet);
    }
    out->push_back(static_cast<char>((n >> 16) & 0xff));
    if (padding < 2) out->push_back(static_cast<char>((n >> 8) & 0xff));
    if (padding < 1) out->push_back(static_cast<char>(n & 0xff));
  }
  return true;
}

// ---- identifiers -------------------------------------------------------------------------

bool IsXid(const std::string& text) {
  static const std::regex kXid("[0-9a-v]{20}");
  return std::regex_match(text, kXid);
}

/// secrets.ParseURI: "secret://<model-uuid>/<xid>", "secret:<xid>" or a bare xid. Returns the
/// xid; an invalid reference is a usage error.
std::string ParseSecretXid(const std::string& reference) {
  std::string xid = reference;
  if (reference.rfind("secret://", 0) == 0) {
    const std::string rest = reference.substr(9);
    auto slash = rest.find('/');
    xid = slash == std::string::npos ? rest : rest.substr(slash + 1);
  } else if (reference.rfind("secret:", 0) == 0) {
    xid = reference.substr(7);
  }
  if (!IsXid(xid)) throw UsageError("secret URI " + GoQuote(reference) + " not valid");
  return xid;
}

std::string XidOf(const SecretState& secret) {
  return secret.id.substr(secret.id.rfind('/') == std::string::npos ? 0 : secret.id.rfind('/') + 1);
}

SecretState& FindVisibleSecret(ToolEnv& env, const std::string& reference) {
  SecretState* secret = env.state.FindSecret(ParseSecretXid(reference));
  if (secret == nullptr) throw RunError("secret " + GoQuote(reference) + " not found");
  return *secret;
}

/// An owned secret this unit may change: app-owned needs leadership. A consumed secret is not
/// this unit's to change (`permission denied`).
SecretState& FindChangeableSecret(ToolEnv& env, const std::string& reference) {
  SecretState& secret = FindVisibleSecret(env, reference);
  if (secret.owner.empty()) throw RunError("permission denied");
  if (secret.owner == "application" && !env.state.leader) {
    throw RunError("this unit is not the leader");
  }
  return secret;
}

SecretState* FindByLabel(State& state, const std::string& label) {
  for (auto& secret : state.secrets) {
    if (!secret.owner.empty() && secret.label == label) return &secret;
  }
  for (auto& secret : state.secrets) {
    if (secret.consumer_label == label) return &secret;
  }
  return nullptr;
}

// ---- secret-add / secret-set options -----------------------------------------------------

/// The options secret-add and secret-set share, and the content they carry.
struct UpsertArgs {
  std::string owner = "application";
  std::string label;
  std::string description;
  std::string rotate;
  std::string expire;
  std::string file;
  Databag content;  // decoded
};

void AddUpsertFlags(FlagSet& flags, UpsertArgs* upsert) {
  flags.AddString({"owner"}, &upsert->owner);
  flags.AddString({"label"}, &upsert->label);
  flags.AddString({"description"}, &upsert->description);
  flags.AddString({"rotate"}, &upsert->rotate);
  flags.AddString({"expire"}, &upsert->expire);
  flags.AddString({"file"}, &upsert->file);
}

/// RFC3339, 2006-01-02T15:04:05, or a positive Go duration (e.g. "24h", "1h30m").
bool IsValidExpire(const std::string& text) {
  static const std::regex kTime(
      "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?"
      "(Z|[+-][0-9]{2}:[0-9]{2})?");
  static const std::regex kDuration("\\+?(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|ms|s|m|h))+");
  static const std::regex kNonZeroDigit("[1-9]");
  if (std::regex_match(text, kTime)) return true;
  return std::regex_match(text, kDuration) && std::regex_search(text, kNonZeroDigit);
}

void ValidateUpsertOptions(const FlagSet& flags, const UpsertArgs& upsert) {
  if (upsert.owner != "application" && upsert.owner != "unit") {
    throw UsageError("secret owner " + GoQuote(upsert.owner) + " not valid");
  }
  static const std::array<const char*, 7> kPolicies{"never",   "hourly",    "daily", "weekly",
                                                    "monthly", "quarterly", "yearly"};
  if (flags.WasSet("rotate") &&
      std::none_of(kPolicies.begin(), kPolicies.end(),
                   [&](const char* policy) { return upsert.rotate == policy; })) {
    throw UsageError("rotate policy " + GoQuote(upsert.rotate) + " not valid");
  }
  if (flags.WasSet("expire") && !IsValidExpire(upsert.expire)) {
    throw UsageError("expire time or duration " + GoQuote(upsert.expire) + " not valid");
  }
}

/// Adds one content item: `key` may end in "#base64" (value already encoded) or "#file"
/// (value is a path read through the host). Checks the key and the size limits.
void AddContentItem(const ToolEnv& env, std::string key, std::string value, Databag* content) {
  if (key.size() > 5 && key.ends_with("#file")) {
    key.resize(key.size() - 5);
    std::string data;
    if (!ReadHostFile(env, value, &data)) {
      throw UsageError("open " + value + ": no such file or directory");
    }
    value = data;
  }
  std::string decoded = value;
  if (key.size() > 7 && key.ends_with("#base64")) {
    key.resize(key.size() - 7);
    if (!Base64Decode(value, &decoded)) {
      throw UsageError("base64 value for key " + GoQuote(key) + " not valid");
    }
  }
  static const std::regex kKey("[a-z](?:-?[a-z0-9]){2,}");
  if (!std::regex_match(key, kKey)) throw UsageError("key " + GoQuote(key) + " not valid");
  const std::size_t encoded_size = Base64Encode(decoded).size();
  if (encoded_size > kMaxEncodedValueBytes) {
    throw UsageError("base64 encoded secret content for key " + GoQuote(key) +
                     " too large: " + std::to_string(encoded_size) + " bytes");
  }
  (*content)[key] = decoded;
}

/// secrets.CreateSecretData over `args[first..]` plus the --file YAML, args last.
Databag ParseSecretContent(ToolEnv& env, const FlagSet& flags, const UpsertArgs& upsert,
                           const std::vector<std::string>& args, std::size_t first) {
  Databag content;
  if (flags.WasSet("file")) {
    for (const auto& [key, value] : ReadSettingsFile(env, upsert.file)) {
      AddContentItem(env, key, value, &content);
    }
  }
  for (std::size_t i = first; i < args.size(); ++i) {
    std::string stripped = args[i];
    while (!stripped.empty() && stripped.back() == '=') stripped.pop_back();  // b64 padding
    auto eq = stripped.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw UsageError("key value " + GoQuote(args[i]) + " not valid");
    }
    AddContentItem(env, args[i].substr(0, eq), args[i].substr(eq + 1), &content);
  }
  std::size_t total = 0;
  for (const auto& [key, value] : content) {
    if (value.empty()) throw UsageError("empty secret value not valid");
    total += Base64Encode(value).size();
  }
  if (total > kMaxEncodedContentBytes) {
    throw UsageError("secret content too large: " + std::to_string(total) + " bytes");
  }
  return content;
}

/// Refuses an owner label another secret of this owner already uses.
void CheckLabelFree(const State& state, const std::string& label, const SecretState* self) {
  if (label.empty()) return;
  for (const auto& secret : state.secrets) {
    if (&secret != self && !secret.owner.empty() && secret.label == label) {
      throw RunError("secret with label " + GoQuote(label) + " already exists");
    }
  }
}

void ApplyMetadata(const FlagSet& flags, const UpsertArgs& upsert, SecretState* secret) {
  if (flags.WasSet("label")) secret->label = upsert.label;
  if (flags.WasSet("description")) secret->description = upsert.description;
  if (flags.WasSet("rotate")) secret->rotate = upsert.rotate;
  if (flags.WasSet("expire")) secret->expire = upsert.expire;
}

/// The revision secret-get reads: tracked (pinning the latest on first read), latest once
/// (peek), or latest while moving the tracking pointer (refresh).
const Databag& ReadRevision(SecretState& secret, bool peek, bool refresh,
                            const std::string& reference) {
  if (secret.revisions.empty()) throw RunError("secret " + GoQuote(reference) + " not found");
  const int latest = secret.LatestRevision();
  int revision = latest;
  if (!peek) {
    if (refresh || !secret.tracked_revision) secret.tracked_revision = latest;
    revision = *secret.tracked_revision;
  }
  auto it = secret.revisions.find(revision);
  if (it == secret.revisions.end()) {
    throw RunError("secret " + GoQuote(reference) + " revision " + std::to_string(revision) +
                   " not found");
  }
  return it->second;
}

json SecretInfoJson(const SecretState& secret) {
  json info{{"revision", secret.LatestRevision()}, {"label", secret.label}, {"owner", secret.owner}};
  if (!secret.description.empty()) info["description"] = secret.description;
  if (!secret.rotate.empty()) info["rotation"] = secret.rotate;
  if (!secret.expire.empty()) info["expiry"] = secret.expire;
  json access = json::array();
  for (const auto& grant : secret.grants) {
    std::string unit_tag = grant.unit;
    std::replace(unit_tag.begin(), unit_tag.end(), '/', '-');
    access.push_back({{"target", grant.unit.empty() ? "application-" + grant.app : "unit-" + unit_tag},
                      {"scope", "relation-" + std::to_string(grant.relation_id)},
                      {"role", "view"}});
  }
  if (!access.empty()) info["access"] = access;
  return info;
}

}  // namespace

std::string SecretAddTool(ToolEnv& env) {
  FlagSet flags;
  UpsertArgs upsert;
  AddUpsertFlags(flags, &upsert);
  auto args = ParseArgs(env, flags);
  ValidateUpsertOptions(flags, upsert);
  if (args.empty() && !flags.WasSet("file")) throw UsageError("missing secret value or filename");
  upsert.content = ParseSecretContent(env, flags, upsert, args, 0);
  if (upsert.content.empty()) throw UsageError("missing secret value or filename");
  State& state = env.state;
  if (upsert.owner == "application" && !state.leader) throw RunError("this unit is not the leader");
  CheckLabelFree(state, upsert.label, nullptr);
  if (!env.host.new_secret_xid) throw RunError("cannot create secret: no secret id generator");
  SecretState secret;
  secret.id = "secret://" + state.model_uuid + "/" + env.host.new_secret_xid();
  secret.owner = upsert.owner;
  secret.owner_app = state.AppName();
  ApplyMetadata(flags, upsert, &secret);
  secret.revisions[1] = upsert.content;
  state.secrets.push_back(secret);
  return secret.id + "\n";
}

std::string SecretGetTool(ToolEnv& env) {
  FlagSet flags;
  OutputFormat format = OutputFormat::kYaml;
  std::string label;
  bool peek = false;
  bool refresh = false;
  AddFormatFlag(flags, &format);
  flags.AddString({"label"}, &label);
  flags.AddBool({"peek"}, &peek);
  flags.AddBool({"refresh"}, &refresh);
  auto args = ParseArgs(env, flags);
  if (args.empty() && label.empty()) throw UsageError("require either a secret URI or label");
  if (peek && refresh) throw UsageError("specify one of --peek or --refresh but not both");
  const std::string reference = args.empty() ? "" : args[0];
  if (!args.empty()) ParseSecretXid(reference);
  CheckEmpty(args, 2);
  std::string key = args.size() > 1 ? args[1] : "";

  SecretState* secret = nullptr;
  if (!args.empty()) {
    secret = &FindVisibleSecret(env, reference);
    if (!label.empty()) {  // id + label: (re)label it from this unit's point of view
      if (secret->owner.empty()) {
        secret->consumer_label = label;
      } else {
        CheckLabelFree(env.state, label, secret);
        secret->label = label;
      }
    }
  } else {
    secret = FindByLabel(env.state, label);
    if (secret == nullptr) throw RunError("consumer label " + GoQuote(label) + " not found");
  }
  const Databag& content =
      ReadRevision(*secret, peek, refresh, reference.empty() ? label : reference);
  if (key.empty()) return FormatOutput(format, json(content));
  const bool as_base64 = key.size() > 7 && key.ends_with("#base64");
  if (as_base64) key.resize(key.size() - 7);
  auto it = content.find(key);
  if (it == content.end()) throw RunError("secret key " + GoQuote(key) + " not found");
  return FormatOutput(format, json(as_base64 ? Base64Encode(it->second) : it->second));
}

std::string SecretSetTool(ToolEnv& env) {
  FlagSet flags;
  UpsertArgs upsert;
  AddUpsertFlags(flags, &upsert);
  auto args = ParseArgs(env, flags);
  if (args.empty()) throw UsageError("missing secret URI");
  ValidateUpsertOptions(flags, upsert);
  upsert.content = ParseSecretContent(env, flags, upsert, args, 1);
  const bool metadata = flags.WasSet("label") || flags.WasSet("description") ||
                        flags.WasSet("rotate") || flags.WasSet("expire");
  if (upsert.content.empty() && !metadata) {
    throw UsageError("at least one attribute to update must be specified");
  }
  ParseSecretXid(args[0]);
  SecretState& secret = FindChangeableSecret(env, args[0]);
  if (flags.WasSet("label")) CheckLabelFree(env.state, upsert.label, &secret);
  ApplyMetadata(flags, upsert, &secret);
  if (!upsert.content.empty()) secret.revisions[secret.LatestRevision() + 1] = upsert.content;
  return "";
}

std::string SecretGrantTool(ToolEnv& env) {
  FlagSet flags;
  std::optional<int> relation_id;
  std::string unit;
  AddRelationFlag(flags, env.state, &relation_id);
  flags.AddString({"unit"}, &unit);
  auto args = ParseArgs(env, flags);
  if (args.empty()) throw UsageError("missing secret URI");
  CheckEmpty(args, 1);
  ParseSecretXid(args[0]);
  const RelationState& relation = ResolveRelation(env, relation_id);
  SecretState& secret = FindChangeableSecret(env, args[0]);
  if (!unit.empty() && unit.substr(0, unit.find('/')) != relation.remote_app) {
    throw RunError("cannot specify unit " + GoQuote(unit) + " in relation to application " +
                   GoQuote(relation.remote_app));
  }
  const SecretGrant grant{relation.id, relation.remote_app, unit};
  if (std::find(secret.grants.begin(), secret.grants.end(), grant) == secret.grants.end()) {
    secret.grants.push_back(grant);
  }
  return "";
}

std::string SecretRevokeTool(ToolEnv& env) {
  FlagSet flags;
  std::optional<int> relation_id;
  std::string app;
  std::string unit;
  AddRelationFlag(flags, env.state, &relation_id);
  flags.AddString({"app", "application"}, &app);
  flags.AddString({"unit"}, &unit);
  auto args = ParseArgs(env, flags);
  if (args.empty()) throw UsageError("missing secret URI");
  CheckEmpty(args, 1);
  ParseSecretXid(args[0]);
  if (!app.empty() && !unit.empty()) throw UsageError("specify only one of application or unit");
  if (relation_id && !app.empty()) throw UsageError("do not specify both relation and app");
  if (!relation_id && app.empty() && unit.empty()) {
    if (!env.context.relation) throw UsageError("missing relation or application or unit");
    relation_id = env.context.relation->id;
  }
  SecretState& secret = FindChangeableSecret(env, args[0]);
  auto revoked = [&](const SecretGrant& grant) {
    if (relation_id && grant.relation_id != *relation_id) return false;
    if (!app.empty()) return grant.app == app;
    if (!unit.empty()) return grant.unit == unit;
    return true;
  };
  std::erase_if(secret.grants, revoked);
  return "";
}

std::string SecretRemoveTool(ToolEnv& env) {
  FlagSet flags;
  std::optional<int> revision;
  flags.AddValue({"revision"}, [&revision](const std::string& value) {
    try {
      std::size_t used = 0;
      revision = std::stoi(value, &used);
      if (used != value.size()) throw InvalidOptionValue("invalid syntax");
    } catch (const std::logic_error&) {
      throw InvalidOptionValue("strconv.ParseInt: parsing " + GoQuote(value) + ": invalid syntax");
    }
  });
  auto args = ParseArgs(env, flags);
  if (args.empty()) throw UsageError("missing secret URI");
  CheckEmpty(args, 1);
  ParseSecretXid(args[0]);
  SecretState& secret = FindChangeableSecret(env, args[0]);
  if (revision) {
    if (secret.revisions.erase(*revision) == 0) {
      throw RunError("secret " + GoQuote(args[0]) + " revision " + std::to_string(*revision) +
                     " not found");
    }
    if (!secret.revisions.empty()) return "";
  }
  auto& secrets = env.state.secrets;
  secrets.erase(secrets.begin() + (&secret - secrets.data()));
  return "";
}

std::string SecretIdsTool(ToolEnv& env) {
  OutputFormat format = OutputFormat::kYaml;
  ParseFormatArgs(env, &format, 0);
  std::vector<std::string> ids;
  for (const auto& secret : env.state.secrets) {
    if (!secret.owner.empty()) ids.push_back(XidOf(secret));
  }
  std::sort(ids.begin(), ids.end());
  return FormatOutput(format, ids.empty() ? json(nullptr) : json(ids));  // Go nil slice
}

std::string SecretInfoGetTool(ToolEnv& env) {
  FlagSet flags;
  OutputFormat format = OutputFormat::kYaml;
  std::string label;
  AddFormatFlag(flags, &format);
  flags.AddString({"label"}, &label);
  auto args = ParseArgs(env, flags);
  if (!args.empty() && !label.empty()) {
    throw UsageError("specify either a secret URI or label but not both");
  }
  if (args.empty() && label.empty()) throw UsageError("require either a secret URI or label");
  CheckEmpty(args, 1);
  SecretState* secret = nullptr;
  if (!args.empty()) {
    secret = env.state.FindSecret(ParseSecretXid(args[0]));
  } else {
    for (auto& candidate : env.state.secrets) {
      if (!candidate.owner.empty() && candidate.label == label) secret = &candidate;
    }
  }
  if (secret == nullptr || secret->owner.empty()) {
    throw RunError("secret " + GoQuote(args.empty() ? label : args[0]) + " not found");
  }
  return FormatOutput(format, json{{XidOf(*secret), SecretInfoJson(*secret)}});
}

}  // namespace grantor::model
